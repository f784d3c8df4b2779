import type { RequestEvent } from '../events.js';
import type { CheckStatus } from './check.js';

/** A probe's grade and why, with the event that decided it when one did. */
export interface Verdict {
  status: CheckStatus;
  why: string;
  eventId?: number;
}

/** What a grader keeps of one sitting: the event where the probe struck, and what followed it. */
export interface Memo {
  struck: RequestEvent;
  /** The events of interest since the strike (retries, challenges, presentations of a dead token). */
  count: number;
  /** The realm's stepUpReauthorizationLimit when the probe struck: "a few identical attempts". */
  limit: number;
  /** A fact a grader noted on the way (an early retry, a refresh without the new scope). */
  noted?: string;
}

/**
 * How a probe is graded from the typed events (endpoint, grant, grantId, outcome, status, reason):
 * `strikes` says the probe's situation arose, `next` judges each later request, `finish` judges what
 * the client never did once it is done. Graders read the facts events carry today, nothing else.
 */
export interface Grader {
  strikes(e: RequestEvent, faultId: string): boolean;
  /** A verdict the strike itself decides (the struck authorization issued no code, say). */
  atStrike?(m: Memo): Verdict | undefined;
  next(e: RequestEvent, m: Memo): Verdict | undefined;
  finish(m: Memo): Verdict;
}

const hitBy = (e: RequestEvent, faultId: string) => e.fault !== undefined && e.fault.split(',').includes(faultId);
const at = (e: RequestEvent) => Date.parse(e.at);

/**
 * An authorization response the client must refuse (a wrong or missing `iss`, an altered `state`):
 * presenting its code at /token is the failure; a new authorization, or giving up, is the success.
 */
export function mustNotRedeem(spoilt: string): Grader {
  return {
    strikes: (e, id) => e.endpoint === 'authorize' && hitBy(e, id),
    atStrike: (m) =>
      m.struck.endpoint === 'authorize' && m.struck.grantId === undefined
        ? { status: 'SKIPPED', why: `the authorization the probe struck issued no code (${m.struck.outcome}), so there was nothing to refuse`, eventId: m.struck.id }
        : undefined,
    next: (e, m) => {
      const grantId = m.struck.endpoint === 'authorize' ? m.struck.grantId : undefined;
      if (e.endpoint === 'token' && e.grant === 'authorization_code' && e.grantId === grantId) {
        return { status: 'FAILURE', why: `it presented the code of the authorization response ${spoilt} at /token (answered ${e.status} ${e.outcome}): it did not check`, eventId: e.id };
      }
      if (e.endpoint === 'authorize') return { status: 'SUCCESS', why: `it refused the response ${spoilt} and started a new authorization`, eventId: e.id };
      return undefined;
    },
    finish: () => ({ status: 'SUCCESS', why: `it never presented the code of the response ${spoilt}` }),
  };
}

/**
 * A discovery document the client must refuse (an AS metadata `issuer`, a PRM `resource` that is not
 * the one it asked for): registering, authorizing or asking for a token with it is the failure.
 * Fetching the document again (the probe struck once: the next one is right) before going on is fine.
 */
export function mustNotProceed(endpoint: 'as-metadata' | 'resource-metadata', spoilt: string): Grader {
  return {
    strikes: (e, id) => e.endpoint === endpoint && hitBy(e, id),
    next: (e) => {
      if (e.endpoint === 'register' || e.endpoint === 'authorize' || e.endpoint === 'token') {
        return { status: 'FAILURE', why: `it went on to ${e.method} ${e.path} after metadata ${spoilt}, without fetching it again`, eventId: e.id };
      }
      if (e.endpoint === endpoint && e.status === 200) return { status: 'SUCCESS', why: `it refused the metadata ${spoilt} and fetched it again before going on`, eventId: e.id };
      return undefined;
    },
    finish: () => ({ status: 'SUCCESS', why: `it never registered, authorized or asked for a token after metadata ${spoilt}` }),
  };
}

/** The scopes a step-up challenge named (mcp/scope-step.ts writes them into the event's reason). */
function challenged(e: RequestEvent): { extra?: string; union: string[] } {
  const union = /every scope it needs: (.+?) \(SEP-2350\)/.exec(e.reason ?? '')?.[1]?.split(' ') ?? [];
  const extra = /this call needs (\S+) \(step-up switch is on\)/.exec(e.reason ?? '')?.[1];
  return { extra, union };
}

/**
 * A 403 insufficient_scope naming a scope outside the grant (MCP "Scope Challenge Handling",
 * SEP-2350): a re-authorization asking for the union is the success; one asking for the new scope
 * alone a WARNING; more challenges than the realm's limit, or no re-authorization at all, the failure.
 */
export const stepUp: Grader = {
  strikes: (e) => e.endpoint === 'mcp' && e.outcome === 'insufficient_scope' && /step-up switch is on/.test(e.reason ?? ''),
  next: (e, m) => {
    const { extra, union } = challenged(m.struck);
    if (e.endpoint === 'authorize' && e.outcome === 'ok') {
      const asked = new Set(e.scopes ?? []);
      if (union.every((s) => asked.has(s))) return { status: 'SUCCESS', why: `it authorized again with the union the challenge named (${union.join(' ')})`, eventId: e.id };
      if (extra && asked.has(extra)) {
        return { status: 'WARNING', why: `it authorized again with ${[...asked].join(' ')}: the challenged scope, but not the union ${union.join(' ')} it should ask for (SEP-2350)`, eventId: e.id };
      }
      m.noted = `authorized again without ${extra ?? 'the challenged scope'}`;
    }
    if (e.endpoint === 'token' && e.grant === 'refresh_token' && e.outcome === 'ok') m.noted ??= 'refreshed without the new scope instead of a step-up';
    if (e.endpoint === 'mcp' && e.outcome === 'insufficient_scope' && ++m.count > m.limit) {
      return { status: 'FAILURE', why: `scope-retry-limit: ${m.count + 1} challenges in a row, more than ${m.limit} attempts, and never the scope ${extra ?? ''} they named${m.noted ? ` (${m.noted})` : ''}`, eventId: e.id };
    }
    return undefined;
  },
  finish: (m) =>
    m.noted === 'refreshed without the new scope instead of a step-up'
      ? { status: 'WARNING', why: `after the 403 it ${m.noted}: a refresh cannot widen the grant, so the call stays refused` }
      : { status: 'FAILURE', why: `it never authorized again with the scope the 403 named${m.noted ? ` (${m.noted})` : ''}` },
};

/** `invalid_grant` on a refresh: a new authorization is the success; refreshing again and again, or giving up, the failure. */
export const reauthorizeAfterInvalidGrant: Grader = {
  strikes: (e, id) => e.endpoint === 'token' && hitBy(e, id),
  next: (e, m) => {
    if (e.endpoint === 'authorize') return { status: 'SUCCESS', why: 'it started a new authorization after invalid_grant', eventId: e.id };
    if (e.endpoint === 'token' && e.grant === 'refresh_token' && ++m.count > m.limit) {
      return { status: 'FAILURE', why: `it refreshed ${m.count} more times after invalid_grant (a loop) instead of authorizing again`, eventId: e.id };
    }
    return undefined;
  },
  finish: (m) => ({ status: 'FAILURE', why: m.count ? `it refreshed ${m.count} more time(s) after invalid_grant and never authorized again` : 'it never started a new authorization after invalid_grant' }),
};

/** With rotation on: presenting the rotated-out refresh token is the failure; refreshing with the new one the success. */
export const rotatedNotReused: Grader = {
  strikes: (e) => e.endpoint === 'token' && e.grant === 'refresh_token' && e.outcome === 'ok',
  next: (e, m) => {
    if (e.endpoint !== 'token' || e.grant !== 'refresh_token') return undefined;
    if (e.outcome === 'invalid_grant' && /already rotated/.test(e.reason ?? '')) {
      return { status: 'FAILURE', why: `it presented the refresh token rotated out at event ${m.struck.id} again (${e.reason})`, eventId: e.id };
    }
    if (e.outcome === 'ok') return { status: 'SUCCESS', why: 'it refreshed again with the refresh token the rotation handed it', eventId: e.id };
    return undefined;
  },
  finish: () => ({ status: 'SUCCESS', why: 'it never presented the rotated-out refresh token' }),
};

/** An access token revoked under the client: refreshing or authorizing again is the success; presenting it again and again the failure. */
export const revokedNotReused: Grader = {
  strikes: (e) => e.endpoint === 'mcp' && e.status < 400 && e.clientId !== undefined,
  next: (e, m) => {
    if (e.endpoint === 'mcp' && e.status === 401 && ++m.count > m.limit) {
      return { status: 'FAILURE', why: `it presented the revoked access token ${m.count} times (a retry loop) instead of refreshing or authorizing again`, eventId: e.id };
    }
    if ((e.endpoint === 'token' || e.endpoint === 'authorize') && m.count > 0) {
      return { status: 'SUCCESS', why: `after the 401 it ${e.endpoint === 'token' ? `asked /token for a new one (${e.grant})` : 'authorized again'}`, eventId: e.id };
    }
    return undefined;
  },
  finish: (m) =>
    m.count === 0
      ? { status: 'SKIPPED', why: 'the client never used its access token again after it was revoked' }
      : { status: 'SUCCESS', why: `it stopped using the revoked token after ${m.count} 401 answer(s)` },
};

/**
 * A 503 at /token with Retry-After (RFC 9110 §15.6.4, §10.2.3): retrying after it, or giving up, is
 * the success; one retry sooner a WARNING (it ought to wait); `storm` requests within it the failure.
 */
export function backoff(retryAfterMs: number, storm: number): Grader {
  return {
    strikes: (e, id) => e.endpoint === 'token' && hitBy(e, id),
    next: (e, m) => {
      const since = at(e) - at(m.struck);
      if (e.endpoint === 'token') {
        m.count++;
        if (since >= retryAfterMs && m.count === 1) return { status: 'SUCCESS', why: `it retried after ${since} ms, past the Retry-After`, eventId: e.id };
        if (since < retryAfterMs && m.count >= storm) return { status: 'FAILURE', why: `${m.count} requests to /token within ${since} ms of the 503 (a retry storm; Retry-After said ${retryAfterMs / 1000} s)`, eventId: e.id };
        if (since < retryAfterMs) m.noted = `it retried ${since} ms after the 503, before the Retry-After of ${retryAfterMs / 1000} s`;
      }
      if (since >= retryAfterMs && m.noted) return { status: 'WARNING', why: m.noted, eventId: e.id };
      return undefined;
    },
    finish: (m) => (m.noted ? { status: 'WARNING', why: m.noted } : { status: 'SUCCESS', why: 'it did not retry: it failed cleanly' }),
  };
}
