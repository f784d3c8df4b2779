import { checkResourceAllowed } from '@modelcontextprotocol/server';
import type { Challenge } from './challenge.js';
import type { TokenVerifier, VerifiedToken } from './verifier.js';

export type BearerCheck =
  | { ok: true; token: string; facts: VerifiedToken }
  | {
      ok: false;
      challenge: Challenge;
      verifierUnavailable?: string;
      /** Where a refused request put its token (RFC 6750 §2.1 allows the header only here), and the token, for a report card's digest. */
      bearerIn: 'header' | 'query' | 'none';
      presented?: string;
    };

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER_RE = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Decides what a request's credentials are worth, without building any response: the header only
 * (RFC 6750 §2.1), checked by the verifier, and for this resource only (RFC 8707). `scopeOf` gives
 * the challenge's scope, asked only when there is a challenge (not on every accepted request).
 */
export async function checkBearer(
  authorization: string | undefined,
  query: URLSearchParams,
  resource: string,
  scopeOf: () => string,
  verifier: TokenVerifier,
  /** The issuer as this request names it (`c.get('urls').issuer`; also at the resource's origin), for a verifier that checks `iss`. */
  issuer?: string | readonly string[],
): Promise<BearerCheck> {
  const inQuery = query.get('access_token');
  if (inQuery !== null) {
    const presented = { bearerIn: 'query', presented: inQuery } as const;
    return refuse(scopeOf, presented, { status: 400, error: 'invalid_request', description: 'send the access token in the Authorization header, not the query string (RFC 6750 section 2.1; MCP authorization)' });
  }
  // No credentials, or another scheme: a plain challenge without an error code (RFC 6750 §3.1).
  if (authorization === undefined || !/^bearer(\s|$)/i.test(authorization)) return refuse(scopeOf, NONE, { status: 401 });
  const m = BEARER_RE.exec(authorization);
  if (!m) {
    const loose = /^Bearer +(\S+)/i.exec(authorization)?.[1];
    return refuse(scopeOf, loose === undefined ? NONE : { bearerIn: 'header', presented: loose }, { status: 400, error: 'invalid_request', description: 'malformed Authorization header: expected "Bearer <token>"' });
  }
  const token = m[1]!;
  const presented = { bearerIn: 'header', presented: token } as const;
  const v = await verifier.verify(token, { issuer });
  if (v.kind === 'unavailable') {
    return refuse(scopeOf, presented, { status: 401, error: 'invalid_token', description: v.description }, v.cause);
  }
  if (v.kind === 'rejected') return refuse(scopeOf, presented, { status: 401, error: 'invalid_token', description: v.description });
  const aud = v.token.aud;
  if (!aud.some((a) => a === resource || safeAllowed(resource, a))) {
    return refuse(scopeOf, presented, { status: 401, error: 'invalid_token', description: `the access token is for ${aud.join(', ') || 'no audience'}, not for this resource (${resource}); request it with resource=${resource} (RFC 8707)` });
  }
  return { ok: true, token, facts: v.token };
}

const NONE = { bearerIn: 'none' } as const;

function refuse(
  scopeOf: () => string,
  presented: { bearerIn: 'header' | 'query' | 'none'; presented?: string },
  challenge: Omit<Challenge, 'scope'>,
  verifierUnavailable?: string,
): BearerCheck {
  return { ok: false, challenge: { ...challenge, scope: scopeOf() }, ...presented, ...(verifierUnavailable !== undefined ? { verifierUnavailable } : {}) };
}

function safeAllowed(resource: string, aud: string): boolean {
  try {
    return checkResourceAllowed({ requestedResource: resource, configuredResource: aud });
  } catch {
    return false;
  }
}
