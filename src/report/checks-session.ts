import { fail, INVALID_GRANT_LOOP, none, pass, REF, SCOPE_RETRY_LIMIT, type CheckDef } from './check-defs.js';

/** Refresh, step-up and the MCP requests: what a client does while it holds a token; and the facts reported as INFO. */
export const SESSION_CHECKS: CheckDef[] = [
  {
    id: 'refresh-instead-of-reconsent',
    name: 'Refresh instead of re-consent',
    word: 'SHOULD',
    suite: false,
    checks: 'no new authorization while a live refresh token exists (a 401 is answered with a refresh), but for a scope challenge',
    refs: [REF.sep2207, REF.rfc6749Refresh],
    topic: 'authorize',
    grade: (f) => (f.refresh.issued === 0 ? { skip: 'the client never held a refresh token' } : f.authorize.reconsent ? fail(`${f.authorize.reconsent} new authorization(s) while a refresh token was live: the user was asked to consent again`) : pass('no re-consent while a refresh token was live')),
  },
  {
    id: 'refresh-token-not-reused',
    name: 'A rotated refresh token is not used again',
    word: 'MUST',
    suite: false,
    checks: 'after rotation the old refresh token is discarded, never presented again',
    refs: [REF.rfc6749Refresh, REF.rotation, REF.rfc9700Refresh],
    topic: 'refresh',
    grade: (f) => {
      const r = f.refresh;
      if (r.ok + r.invalidGrant === 0) return none('refresh');
      return r.staleReuse ? fail(`a rotated refresh token was presented again ${r.staleReuse} time(s), the stalest ${Math.round(r.oldestReplayMs / 1000)} s after its rotation: the client MUST discard the old refresh token`, { staleReplays: r.staleReuse, oldestReplaySeconds: Math.round(r.oldestReplayMs / 1000) }) : pass('no rotated refresh token presented again');
    },
  },
  {
    id: 'refresh-parallel-coalesced',
    name: 'Parallel refreshes coalesced',
    word: 'SHOULD',
    suite: false,
    checks: 'one refresh at a time per refresh token (parallel ones lose the rotation race)',
    refs: [REF.rotation, REF.rfc9700Refresh],
    topic: 'refresh',
    grade: (f, { rotates }) => {
      const r = f.refresh;
      if (r.ok + r.invalidGrant === 0) return none('refresh');
      if (r.races) return fail(`${r.races} refresh(es) of a token rotated within the same second by another refresh: parallel refreshes, not coalesced`, { racedRefreshes: r.races });
      return rotates ? pass('no parallel refreshes of one token') : { skip: 'refresh tokens do not rotate here, so parallel refreshes do not show (policy rotateRefreshTokens)' };
    },
  },
  {
    id: 'invalid-grant-no-loop',
    name: 'No loop after invalid_grant',
    word: 'SHOULD',
    suite: false,
    checks: `a refused refresh token is not presented again (${INVALID_GRANT_LOOP} times is a loop); a new authorization follows`,
    refs: [REF.rfc6749Refresh],
    topic: 'refresh',
    grade: (f) => {
      const r = f.refresh;
      if (r.invalidGrant - r.races === 0) return { skip: 'no refresh was refused with invalid_grant' };
      const d = { invalidGrant: r.invalidGrant, authorizedAgain: r.reauthorized > 0 };
      return r.loopRepeats + 1 >= INVALID_GRANT_LOOP ? fail(`the same refused refresh token was presented ${r.loopRepeats + 1} times`, d) : pass(r.reauthorized ? 'authorized again after invalid_grant' : 'no loop (no new authorization yet)', d);
    },
  },
  {
    id: 'step-up-reauthorized',
    name: 'Step-up after insufficient_scope',
    word: 'MUST',
    suite: false,
    checks: 'a 403 insufficient_scope is answered with a new authorization (a refresh cannot add the scope)',
    refs: [REF.scopeChallenge],
    topic: 'step-up',
    grade: (f) => {
      const s = f.stepUp;
      if (s.challenges === 0) return { skip: 'no 403 insufficient_scope was answered to this client' };
      if (s.pending === undefined) return pass(`${s.reauths} re-authorization(s) after ${s.challenges} challenge(s)`);
      if (s.refreshInstead) return { pass: false, status: 'WARNING', says: `after 403 insufficient_scope (scope "${s.pending}") the client refreshed ${s.refreshInstead} time(s) instead of re-authorizing: a refresh cannot add the new scope` };
      return fail(`no re-authorization after 403 insufficient_scope naming scope "${s.pending}"`);
    },
  },
  {
    id: 'sep-2350-scope-union-on-reauth',
    name: 'Client accumulates previously-granted scopes on re-authorization',
    word: 'SHOULD',
    suite: true,
    checks: "a re-authorization after a scope challenge asks for the challenge's scope, which names held ∪ needed (SEP-2350)",
    refs: [REF.scopeChallenge],
    topic: 'step-up',
    grade: (f) => {
      const s = f.stepUp;
      if (s.reauths === 0) return { skip: 'no re-authorization after a scope challenge' };
      return s.replaced.length ? fail(`Client SHOULD request the union of held and challenged scopes (SEP-2350); it asked for "${s.replaced[0]}" instead of "${s.lastScope}"`, { requested: s.replaced, challenged: s.lastScope }) : pass('every re-authorization asked for the union');
    },
  },
  {
    id: 'scope-retry-limit',
    name: 'Client retry limit for scope escalation',
    word: 'MUST',
    suite: true,
    checks: `at most ${SCOPE_RETRY_LIMIT} authorizations for one and the same scope challenge`,
    refs: [REF.scopeChallenge],
    topic: 'step-up',
    grade: (f) => {
      const s = f.stepUp;
      if (s.reauths === 0) return { skip: 'no re-authorization after a scope challenge' };
      const d = { authorizationAttempts: s.maxAttempts, maxAllowed: SCOPE_RETRY_LIMIT };
      return s.maxAttempts > SCOPE_RETRY_LIMIT ? fail(`Client made ${s.maxAttempts} authorization attempts for the same challenge (more than ${SCOPE_RETRY_LIMIT})`, d) : pass(`at most ${s.maxAttempts} attempt(s) per challenge`, d);
    },
  },
  {
    id: 'token-not-reused-after-401',
    name: 'Revocation honoured',
    word: 'SHOULD',
    suite: false,
    checks: 'an access token refused with 401 invalid_token is not presented again',
    refs: [REF.rfc6750Errors, REF.tokenUsage],
    topic: 'mcp',
    grade: (f) => (f.mcp.refusedTokens.size === 0 ? { skip: 'no access token of this client was refused' } : f.mcp.reusedAfter401 ? fail(`a refused access token was presented again ${f.mcp.reusedAfter401} time(s)`) : pass('no refused token presented again')),
  },
  {
    id: 'bearer-header-only',
    name: 'Bearer token in the Authorization header only',
    word: 'MUST',
    suite: false,
    checks: 'the access token goes in the Authorization header, never in the query string',
    refs: [REF.tokenUsage, REF.rfc6750],
    topic: 'mcp',
    grade: (f) => (f.mcp.requests === 0 ? none('MCP request') : f.mcp.queryToken ? fail(`Access tokens MUST NOT be in the URI query string: ${f.mcp.queryToken} request(s) sent access_token there`) : pass('bearer in the Authorization header')),
  },
  {
    id: 'mcp-protocol-version-header',
    name: 'MCP-Protocol-Version after initialize',
    word: 'MUST',
    suite: false,
    checks: 'every request after initialize carries MCP-Protocol-Version (2025 era)',
    refs: [REF.protocolHeader],
    topic: 'mcp',
    grade: (f) => (!f.mcp.initialized ? { skip: 'no initialize seen from this client' } : f.mcp.headerMissing ? fail(`${f.mcp.headerMissing} request(s) after initialize without MCP-Protocol-Version`) : pass('MCP-Protocol-Version sent after initialize')),
  },
  {
    id: 'mcp-headers-match-body',
    name: 'Headers match the body (2026-07-28)',
    word: 'MUST',
    suite: false,
    checks: 'in the modern era, MCP-Protocol-Version, Mcp-Method and Mcp-Name say what the body says (SEP-2243)',
    refs: [REF.sep2243],
    topic: 'mcp',
    grade: (f) => (f.mcp.modern === 0 ? { skip: 'no 2026-07-28 request seen from this client' } : f.mcp.headerMismatch ? fail(`${f.mcp.headerMismatch} request(s) whose headers differ from the body`) : pass('headers match the body')),
  },
  {
    id: 'scope-source',
    name: 'Where the scope came from',
    word: 'INFO',
    suite: false,
    checks: "where the first authorization's scope came from: the 401 challenge's scope (scope-from-www-authenticate), scopes_supported (scope-from-scopes-supported), omitted, or other",
    refs: [REF.scopeSelection],
    topic: 'authorize',
    grade: (f) => {
      const s = f.authorize.scopeSource;
      return s ? { info: `first authorization's scope: ${s.source}`, details: { source: s.source, requested: s.requested.join(' ') } } : none('authorization request');
    },
  },
  {
    id: 'prm-used',
    name: 'Protected resource metadata requested',
    word: 'INFO',
    suite: false,
    checks: 'which protected resource metadata URLs were requested on this realm (discovery carries no client_id: realm-wide)',
    refs: [REF.prm],
    grade: (_f, { prmPaths }) => (prmPaths.length ? { info: `requested ${prmPaths.join(', ')}`, details: { paths: prmPaths } } : { skip: 'no protected resource metadata requested on this realm' }),
  },
];
