import type { RequestEvent } from '../events.js';
import { RecentSet, setBounded, SAMPLE } from './recent.js';

/**
 * A refresh token presented again within this long (on the realm clock) of its rotation or of another
 * presentation of it is taken for a parallel refresh that lost the race; later, it is a stale replay
 * (or, refused already, a loop). The server serves requests one at a time: it sees when they came,
 * not whether the client waited for the answer before sending the next.
 */
export const RACE_WINDOW_MS = 1000;

/** Event ids kept per topic: the newest, to cite while the bounded event log still holds them. */
const IDS_PER_TOPIC = 3;

export type Topic = 'register' | 'authorize' | 'pkce' | 'state' | 'resource' | 'exchange' | 'auth-method' | 'refresh' | 'step-up' | 'mcp';

type AuthorizeEvent = Extract<RequestEvent, { endpoint: 'authorize' }>;
type TokenEvent = Extract<RequestEvent, { endpoint: 'token' }>;
type McpEvent = Extract<RequestEvent, { endpoint: 'mcp' }>;
type RegisterEvent = Extract<RequestEvent, { endpoint: 'register' }>;

/** Everything the card knows of one client: counters and small bounded samples, never a list of what it did. */
export class ClientFacts {
  clientId?: string;
  clientName?: string;
  lineage?: string;
  firstSeen: string;
  lastSeen: string;
  readonly ids: Partial<Record<Topic, number[]>> = {};

  registration?: { refused?: string; applicationType?: string; grantTypes?: string[]; authMethod?: string };
  readonly authorize = {
    total: 0,
    noChallenge: 0,
    methods: {} as Record<string, number>,
    challenges: new RecentSet(),
    reusedChallenge: 0,
    stateMissing: 0,
    states: new RecentSet(),
    reusedState: 0,
    redirect: { loopback: 0, https: 0, other: 0 },
    resourceMissing: 0,
    resourceMismatch: 0,
    /** Codes issued and not yet brought to /token: consents open at once (one per tab). */
    open: 0,
    maxOpen: 0,
    /** Authorizations while a refresh token was live and no scope challenge asked for one. */
    reconsent: 0,
    /** Where the first authorization's scope came from. */
    scopeSource: undefined as { source: string; requested: string[] } | undefined,
  };
  readonly exchange = { total: 0, verifierMissing: 0, verifierMismatch: 0, verifierMatched: 0 };
  readonly token = { total: 0, resourceMissing: 0, resourceMismatch: 0, methods: {} as Record<string, number> };
  readonly refresh = {
    /** A refresh token was issued and is not known dead. */
    live: false,
    issued: 0,
    ok: 0,
    staleReuse: 0,
    oldestReplayMs: 0,
    races: 0,
    invalidGrant: 0,
    refused: new RecentSet(),
    loopRepeats: 0,
    presentedAt: new Map<string, number>(),
    awaitingReauth: false,
    reauthorized: 0,
  };
  readonly stepUp = { challenges: 0, pending: undefined as string | undefined, lastScope: undefined as string | undefined, attempts: 0, maxAttempts: 0, reauths: 0, union: 0, replaced: [] as string[], refreshInstead: 0 };
  readonly mcp = { requests: 0, queryToken: 0, initialized: false, headerMissing: 0, modern: 0, headerMismatch: 0, refusedTokens: new RecentSet(), reusedAfter401: 0 };

  constructor(
    readonly key: string,
    at: string,
  ) {
    this.firstSeen = at;
    this.lastSeen = at;
  }

  cite(topic: Topic, id: number): void {
    const ids = (this.ids[topic] ??= []);
    ids.push(id);
    if (ids.length > IDS_PER_TOPIC) ids.shift();
  }

  onRegister(e: RegisterEvent): void {
    this.clientName ??= e.clientName;
    this.lineage ??= e.lineage;
    this.registration = { ...(e.outcome !== 'ok' && { refused: `${e.outcome}: ${e.reason ?? ''}`.trim() }), applicationType: e.applicationType, grantTypes: e.grantTypes, authMethod: e.authMethod };
    this.cite('register', e.id);
  }

  /** `challenged`: the scope the realm's last unauthenticated 401 named; `supported`: scopes_supported. */
  onAuthorize(e: AuthorizeEvent, challenged: string | undefined, supported: readonly string[]): void {
    const a = this.authorize;
    a.total++;
    this.cite('authorize', e.id);
    if (e.pkceMethod === 'none') a.noChallenge++;
    else if (e.pkceMethod !== undefined) {
      const m = e.pkceMethod === 'S256' || e.pkceMethod === 'plain' ? e.pkceMethod : 'other';
      a.methods[m] = (a.methods[m] ?? 0) + 1;
    }
    if (e.challengeDigest !== undefined && a.challenges.seen(e.challengeDigest)) a.reusedChallenge++;
    if (e.pkceMethod !== undefined) this.cite('pkce', e.id);
    if (e.stateSent === false) a.stateMissing++;
    else if (e.stateDigest !== undefined && a.states.seen(e.stateDigest)) a.reusedState++;
    this.cite('state', e.id);
    if (e.redirectKind) a.redirect[e.redirectKind]++;
    if (e.resourceSent === false) a.resourceMissing++;
    else if (e.resourceMatches === false) a.resourceMismatch++;
    if (e.resourceSent !== undefined) this.cite('resource', e.id);
    const requested = e.requestedScopes ?? [];
    if (a.total === 1) a.scopeSource = { source: scopeSource(requested, challenged, supported), requested };
    const s = this.stepUp;
    if (s.pending !== undefined) {
      s.reauths++;
      if (s.pending.split(' ').every((x) => requested.includes(x))) s.union++;
      else if (s.replaced.length < SAMPLE) s.replaced.push(requested.join(' '));
      s.attempts = s.pending === s.lastScope ? s.attempts + 1 : 1;
      s.lastScope = s.pending;
      s.maxAttempts = Math.max(s.maxAttempts, s.attempts);
      s.pending = undefined;
      this.cite('step-up', e.id);
    } else if (this.refresh.live) a.reconsent++;
    if (this.refresh.awaitingReauth) {
      this.refresh.awaitingReauth = false;
      this.refresh.reauthorized++;
    }
    if (e.outcome === 'ok') a.maxOpen = Math.max(a.maxOpen, ++a.open);
  }

  onToken(e: TokenEvent, now: number): void {
    const t = this.token;
    if (e.grant !== 'authorization_code' && e.grant !== 'refresh_token') return;
    t.total++;
    if (e.resourceSent === false) t.resourceMissing++;
    else if (e.resourceMatches === false) t.resourceMismatch++;
    this.cite('resource', e.id);
    if (e.authMethod !== undefined) {
      t.methods[e.authMethod] = (t.methods[e.authMethod] ?? 0) + 1;
      this.cite('auth-method', e.id);
    }
    if (e.outcome === 'ok' && e.refreshIssued) {
      this.refresh.live = true;
      this.refresh.issued++;
    }
    if (e.grant === 'authorization_code') {
      const x = this.exchange;
      x.total++;
      this.authorize.open = Math.max(0, this.authorize.open - 1);
      if (e.verifier === 'missing') x.verifierMissing++;
      else if (e.verifier === 'mismatch') x.verifierMismatch++;
      else if (e.verifier === 'matched') x.verifierMatched++;
      this.cite('exchange', e.id);
      return;
    }
    this.onRefresh(e, now);
  }

  private onRefresh(e: TokenEvent, now: number): void {
    const r = this.refresh;
    this.cite('refresh', e.id);
    if (this.stepUp.pending !== undefined) this.stepUp.refreshInstead++;
    const d = e.refreshDigest;
    const last = d === undefined ? undefined : r.presentedAt.get(d);
    if (d !== undefined) setBounded(r.presentedAt, d, now, SAMPLE);
    const racing = (e.replayAgeMs !== undefined && e.replayAgeMs < RACE_WINDOW_MS) || (last !== undefined && now - last < RACE_WINDOW_MS);
    if (e.outcome === 'ok') {
      r.ok++;
      // A rotated token honoured inside a grace window: a parallel refresh, or (later) a replay all the same.
      if (e.replayAgeMs !== undefined && e.replayAgeMs < RACE_WINDOW_MS) r.races++;
      else if (e.replayAgeMs !== undefined) {
        r.staleReuse++;
        r.oldestReplayMs = Math.max(r.oldestReplayMs, e.replayAgeMs);
      }
      return;
    }
    if (e.outcome !== 'invalid_grant') return;
    r.invalidGrant++;
    const stale = e.replayAgeMs !== undefined && e.replayAgeMs >= RACE_WINDOW_MS;
    if (!stale && racing) {
      r.races++;
      return;
    }
    if (stale) {
      r.staleReuse++;
      r.oldestReplayMs = Math.max(r.oldestReplayMs, e.replayAgeMs!);
    }
    if (d !== undefined && r.refused.seen(d)) r.loopRepeats++;
    r.live = false;
    r.awaitingReauth = true;
  }

  onMcp(e: McpEvent, authenticated: boolean): void {
    const m = this.mcp;
    m.requests++;
    this.cite('mcp', e.id);
    if (e.bearerIn === 'query') m.queryToken++;
    if (authenticated && e.era === 'legacy') {
      if (e.rpcMethod === 'initialize') m.initialized = true;
      else if (m.initialized && e.protocolHeader === false) m.headerMissing++;
    }
    if (authenticated && e.era === 'modern') {
      m.modern++;
      if (e.outcome === 'header-mismatch') m.headerMismatch++;
    }
    if (e.status === 401 && e.outcome === 'invalid_token' && e.tokenDigest !== undefined && m.refusedTokens.seen(e.tokenDigest)) m.reusedAfter401++;
    if (e.status === 403 && e.outcome === 'insufficient_scope' && e.challengeScope !== undefined) {
      this.stepUp.challenges++;
      this.stepUp.pending = e.challengeScope;
      this.cite('step-up', e.id);
    }
  }
}

/** Where a scope came from (the MCP specification's "Scope Selection Strategy"): the challenge first, then scopes_supported. */
function scopeSource(requested: string[], challenged: string | undefined, supported: readonly string[]): string {
  if (requested.length === 0) return 'omitted';
  const same = (list: readonly string[]) => list.length === requested.length && list.every((s) => requested.includes(s));
  if (challenged !== undefined && same(challenged.split(' ').filter(Boolean))) return 'www-authenticate';
  if (same(supported)) return 'scopes_supported';
  return 'other';
}
