import type { CheckStatus, SpecReference } from './check.js';
import type { ClientFacts, Topic } from './facts.js';
import type { Lineage } from './lineage.js';

/** What the grading of one check may read besides the client's own facts. */
export interface GradeContext {
  lineage?: Lineage;
  /** Whether the realm rotates refresh tokens now: parallel refreshes show only then. */
  rotates: boolean;
  /** Protected-resource metadata paths requested on the realm (discovery carries no client_id). */
  prmPaths: string[];
}

/** A grade: passed, broken (FAILURE for a MUST, WARNING for a SHOULD), not applicable, or a fact. */
export type Verdict = { pass: boolean; says: string; details?: Record<string, unknown>; status?: CheckStatus } | { skip: string } | { info: string; details?: Record<string, unknown> };

export interface CheckDef {
  id: string;
  name: string;
  /** The standard's word: breaking a MUST is FAILURE, a SHOULD WARNING; INFO checks only report. */
  word: 'MUST' | 'SHOULD' | 'INFO';
  /** True when the MCP conformance suite has a check of this id (README lists which). */
  suite: boolean;
  /** What it checks, in one line (the README's catalogue). */
  checks: string;
  refs: SpecReference[];
  /** Whose event ids prove it. */
  topic?: Topic;
  grade(f: ClientFacts, ctx: GradeContext): Verdict;
}

const MCP = 'https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization';
const REF = {
  pkce: { id: 'MCP-PKCE-requirement', url: `${MCP}#authorization-code-protection` },
  rfc7636: { id: 'RFC-7636', url: 'https://www.rfc-editor.org/rfc/rfc7636.html#section-4.1' },
  oauth21Authz: { id: 'OAUTH-2.1-authorization-request', url: 'https://www.ietf.org/archive/id/draft-ietf-oauth-v2-1-13.html#section-4.1.1' },
  oauth21Token: { id: 'OAUTH-2.1-token-request', url: 'https://www.ietf.org/archive/id/draft-ietf-oauth-v2-1-13.html#name-token-request' },
  resource: { id: 'MCP-Resource-Parameter-Implementation', url: `${MCP}#resource-parameter-implementation` },
  rfc8707: { id: 'RFC-8707-Resource-Indicators', url: 'https://www.rfc-editor.org/rfc/rfc8707.html#section-2' },
  rfc9700Csrf: { id: 'RFC-9700-CSRF', url: 'https://www.rfc-editor.org/rfc/rfc9700.html#section-4.7.1' },
  commSecurity: { id: 'MCP-Communication-security', url: `${MCP}#communication-security` },
  dcr: { id: 'MCP-Dynamic-client-registration', url: `${MCP}#dynamic-client-registration` },
  rfc7591: { id: 'RFC-7591-client-metadata', url: 'https://www.rfc-editor.org/rfc/rfc7591.html#section-2' },
  sep2207: { id: 'SEP-2207-Refresh-Token-Guidance', url: 'https://github.com/modelcontextprotocol/modelcontextprotocol/pull/2207' },
  rfc6749Refresh: { id: 'RFC-6749-refresh', url: 'https://www.rfc-editor.org/rfc/rfc6749.html#section-6' },
  rotation: { id: 'OAUTH-2.1-refresh-token-rotation', url: 'https://www.ietf.org/archive/id/draft-ietf-oauth-v2-1-13.html#section-4.3.1' },
  rfc9700Refresh: { id: 'RFC-9700-refresh-token-protection', url: 'https://www.rfc-editor.org/rfc/rfc9700.html#section-4.14.2' },
  scopeChallenge: { id: 'MCP-Scope-challenge-handling', url: `${MCP}#scope-challenge-handling` },
  scopeSelection: { id: 'MCP-Scope-selection-strategy', url: `${MCP}#scope-selection-strategy` },
  tokenUsage: { id: 'MCP-Access-token-usage', url: `${MCP}#access-token-usage` },
  rfc6750: { id: 'RFC-6750-bearer-header', url: 'https://www.rfc-editor.org/rfc/rfc6750.html#section-2.1' },
  rfc6750Errors: { id: 'RFC-6750-error-codes', url: 'https://www.rfc-editor.org/rfc/rfc6750.html#section-3.1' },
  protocolHeader: { id: 'MCP-Protocol-Version-header', url: 'https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#protocol-version-header' },
  sep2243: { id: 'SEP-2243-HTTP-headers', url: 'https://github.com/modelcontextprotocol/modelcontextprotocol/pull/2243' },
  prm: { id: 'MCP-2025-06-18-PRM-discovery', url: `${MCP}#protected-resource-metadata-discovery-requirements` },
} satisfies Record<string, SpecReference>;

/** More authorizations than this for one and the same scope challenge is a loop (the conformance suite's limit). */
export const SCOPE_RETRY_LIMIT = 3;
/** Registrations in one lineage past which it is a storm. */
export const REGISTRATION_STORM = 5;
/** Consents open at once (codes issued, not yet redeemed) from which it is parallel authorization. */
export const PARALLEL_AUTHORIZATIONS = 3;
/** The same refused refresh token presented this many times is a loop. */
export const INVALID_GRANT_LOOP = 3;

const none = (what: string) => ({ skip: `no ${what} seen from this client` });
const pass = (says: string, details?: Record<string, unknown>): Verdict => ({ pass: true, says, details });
const fail = (says: string, details?: Record<string, unknown>): Verdict => ({ pass: false, says, details });

/** The catalogue, in the order a card lists them: one entry per check id. */
export const CHECKS: CheckDef[] = [
  {
    id: 'registration-accepted',
    name: 'Registration accepted',
    word: 'MUST',
    suite: false,
    checks: 'the client registered with metadata the server accepts (a refused one is keyed by client_name and redirect URIs)',
    refs: [REF.rfc7591, REF.dcr],
    topic: 'register',
    grade: (f) => (!f.registration ? none('registration') : f.registration.refused ? fail(`registration was refused: ${f.registration.refused}`) : pass('registration accepted')),
  },
  {
    id: 'sep-837-application-type-present',
    name: 'DCR application_type specified',
    word: 'MUST',
    suite: true,
    checks: 'the registration sends application_type "web" or "native" (SEP-837)',
    refs: [REF.dcr],
    topic: 'register',
    grade: (f) => {
      if (!f.registration) return none('registration');
      const t = f.registration.applicationType;
      return t === 'web' || t === 'native' ? pass(`application_type "${t}"`) : fail(`Client MUST specify application_type "web" or "native" (SEP-837); ${t === undefined ? 'it was omitted' : `got "${t}"`}`, { application_type: t ?? '(omitted)' });
    },
  },
  {
    id: 'sep-2207-client-metadata-grant-types',
    name: 'Client metadata includes refresh_token grant type',
    word: 'SHOULD',
    suite: true,
    checks: 'the registration lists refresh_token in grant_types (omitted means authorization_code only, RFC 7591 §2)',
    refs: [REF.sep2207, REF.rfc7591],
    topic: 'register',
    grade: (f) => {
      if (!f.registration) return none('registration');
      const g = f.registration.grantTypes;
      return g?.includes('refresh_token') ? pass(`grant_types ${g.join(' ')}`) : fail(`Client SHOULD include refresh_token in grant_types (SEP-2207); ${g ? `it sent ${g.join(' ') || 'none'}` : 'it sent none (RFC 7591 default: authorization_code only)'}`, { grantTypes: g ?? '(omitted)' });
    },
  },
  {
    id: 'registration-storm',
    name: 'No re-registration storm',
    word: 'SHOULD',
    suite: false,
    checks: `at most ${REGISTRATION_STORM} registrations with one client_name and redirect URIs (a client keeps its client_id)`,
    refs: [REF.dcr],
    topic: 'register',
    grade: (f, { lineage }) => {
      if (!lineage) return none('registration');
      const d = { registrations: lineage.registrations, refused: lineage.refused, newestClientIds: lineage.clientIds };
      return lineage.registrations > REGISTRATION_STORM ? fail(`${lineage.registrations} registrations with the same client_name and redirect URIs: the client SHOULD keep its client_id instead of registering again`, d) : pass(`${lineage.registrations} registration(s) in this lineage`, d);
    },
  },
  {
    id: 'pkce-code-challenge-sent',
    name: 'PKCE Code Challenge',
    word: 'MUST',
    suite: true,
    checks: 'every authorization request carries a code_challenge',
    refs: [REF.pkce, REF.oauth21Authz],
    topic: 'pkce',
    grade: (f) => {
      const a = f.authorize;
      if (a.total === 0) return none('authorization request');
      return a.noChallenge ? fail(`Client MUST send code_challenge: ${a.noChallenge} of ${a.total} authorization request(s) had none`) : pass(`code_challenge sent in all ${a.total} authorization request(s)`);
    },
  },
  {
    id: 'pkce-s256-method-used',
    name: 'PKCE S256 Method',
    word: 'MUST',
    suite: true,
    checks: 'code_challenge_method is S256 (plain, or omitted, is refused)',
    refs: [REF.pkce, REF.rfc7636],
    topic: 'pkce',
    grade: (f) => {
      const m = f.authorize.methods;
      const total = Object.values(m).reduce((x, y) => x + y, 0);
      if (total === 0) return { skip: 'no authorization request with a code_challenge' };
      return total === (m.S256 ?? 0) ? pass('code_challenge_method S256 every time') : fail(`Client MUST use code_challenge_method S256; it used ${Object.entries(m).map(([k, n]) => `${k} ×${n}`).join(', ')}`, { methods: m });
    },
  },
  {
    id: 'pkce-verifier-fresh',
    name: 'A fresh PKCE verifier per authorization',
    word: 'MUST',
    suite: false,
    checks: 'no code_challenge is sent twice (a new code_verifier for every authorization request)',
    refs: [REF.oauth21Authz, REF.rfc7636],
    topic: 'pkce',
    grade: (f) => {
      const a = f.authorize;
      if (a.challenges.size === 0) return { skip: 'no authorization request with a code_challenge' };
      return a.reusedChallenge ? fail(`the same code_challenge came again ${a.reusedChallenge} time(s): the client MUST make a new code_verifier for each authorization request`) : pass('every code_challenge was new');
    },
  },
  {
    id: 'pkce-code-verifier-sent',
    name: 'PKCE Code Verifier',
    word: 'MUST',
    suite: true,
    checks: 'the code exchange sends code_verifier',
    refs: [REF.pkce, REF.rfc7636],
    topic: 'exchange',
    grade: (f) => (f.exchange.total === 0 ? none('code exchange') : f.exchange.verifierMissing ? fail(`Client MUST send code_verifier: ${f.exchange.verifierMissing} code exchange(s) had none`) : pass('code_verifier sent')),
  },
  {
    id: 'pkce-verifier-matches-challenge',
    name: 'PKCE Verifier Matches Challenge',
    word: 'MUST',
    suite: true,
    checks: "the code_verifier matches the authorization's code_challenge",
    refs: [REF.pkce, REF.rfc7636],
    topic: 'exchange',
    grade: (f) => {
      const x = f.exchange;
      if (x.verifierMatched + x.verifierMismatch === 0) return { skip: 'no code exchange reached the verifier check' };
      return x.verifierMismatch ? fail(`${x.verifierMismatch} code_verifier(s) did not match their code_challenge`) : pass(`${x.verifierMatched} code_verifier(s) matched`);
    },
  },
  {
    id: 'state-parameter-sent',
    name: 'state sent',
    word: 'SHOULD',
    suite: false,
    checks: 'authorization requests carry state (CSRF protection beside PKCE)',
    refs: [REF.rfc9700Csrf, REF.oauth21Authz],
    topic: 'state',
    grade: (f) => (f.authorize.total === 0 ? none('authorization request') : f.authorize.stateMissing ? fail(`${f.authorize.stateMissing} authorization request(s) without state`) : pass('state sent every time')),
  },
  {
    id: 'state-not-reused',
    name: 'state not reused',
    word: 'SHOULD',
    suite: false,
    checks: 'no state value is sent twice (it binds one request to one browser session)',
    refs: [REF.rfc9700Csrf],
    topic: 'state',
    grade: (f) => (f.authorize.states.size === 0 ? { skip: 'no authorization request with state' } : f.authorize.reusedState ? fail(`the same state came again ${f.authorize.reusedState} time(s)`) : pass('every state was new')),
  },
  {
    id: 'redirect-uri-loopback-or-https',
    name: 'Redirect URI is loopback or https',
    word: 'MUST',
    suite: false,
    checks: 'the redirect URI is a loopback http URL or an https URL',
    refs: [REF.commSecurity],
    topic: 'authorize',
    grade: (f) => {
      const r = f.authorize.redirect;
      if (r.loopback + r.https + r.other === 0) return none('redirect URI');
      return r.other ? fail(`${r.other} authorization request(s) redirected to a URI neither loopback nor https`, r) : pass('redirect URIs loopback or https', r);
    },
  },
  {
    id: 'parallel-authorizations',
    name: 'No parallel authorizations',
    word: 'SHOULD',
    suite: false,
    checks: `fewer than ${PARALLEL_AUTHORIZATIONS} authorizations open at once (codes issued, not redeemed: a consent per tab)`,
    refs: [REF.oauth21Authz],
    topic: 'authorize',
    grade: (f) => (f.authorize.total === 0 ? none('authorization request') : f.authorize.maxOpen >= PARALLEL_AUTHORIZATIONS ? fail(`${f.authorize.maxOpen} authorizations were open at once`, { maxOpen: f.authorize.maxOpen }) : pass(`at most ${f.authorize.maxOpen} open at once`)),
  },
  {
    id: 'resource-parameter-in-authorization',
    name: 'Resource parameter in authorization request',
    word: 'MUST',
    suite: true,
    checks: "authorization requests send resource, equal to the protected resource metadata's resource (RFC 8707)",
    refs: [REF.resource, REF.rfc8707],
    topic: 'resource',
    grade: (f) => {
      const a = f.authorize;
      if (a.total === 0) return none('authorization request');
      if (a.resourceMissing) return fail(`Client MUST include resource in the authorization request (RFC 8707): ${a.resourceMissing} of ${a.total} had none`);
      return a.resourceMismatch ? fail(`${a.resourceMismatch} authorization request(s) named another resource than this server's`) : pass('resource sent, naming this server');
    },
  },
  {
    id: 'resource-parameter-in-token',
    name: 'Resource parameter in token request',
    word: 'MUST',
    suite: true,
    checks: 'code exchanges and refreshes send resource, equal to the authorized one',
    refs: [REF.resource, REF.rfc8707],
    topic: 'resource',
    grade: (f) => {
      const t = f.token;
      if (t.total === 0) return none('code exchange or refresh');
      if (t.resourceMissing) return fail(`Client MUST include resource in token requests (RFC 8707): ${t.resourceMissing} of ${t.total} had none`);
      return t.resourceMismatch ? fail(`${t.resourceMismatch} token request(s) named another resource than this server's`) : pass('resource sent in every token request');
    },
  },
  {
    id: 'token-endpoint-auth-method',
    name: 'Token endpoint authentication method',
    word: 'MUST',
    suite: true,
    checks: 'the client authenticates at /token with the method it registered',
    refs: [REF.oauth21Token, REF.rfc7591],
    topic: 'auth-method',
    grade: (f) => {
      const used = Object.keys(f.token.methods);
      if (used.length === 0) return none('token request');
      const registered = f.registration?.refused ? undefined : f.registration?.authMethod;
      if (registered === undefined) return { info: `used ${used.join(', ')} (no registration seen to compare with)`, details: { actualAuthMethod: used } };
      const other = used.filter((m) => m !== registered);
      const d = { expectedAuthMethod: registered, actualAuthMethod: used };
      return other.length ? fail(`registered ${registered}, authenticated with ${other.join(', ')}`, d) : pass(`authenticated with ${registered}, as registered`, d);
    },
  },
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

export const CHECK_IDS = CHECKS.map((c) => c.id);
