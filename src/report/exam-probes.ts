import type { FaultSpec } from '../faults.js';
import { resourceScopes, type Policy, type PolicyPatch } from '../policy.js';
import type { SpecReference } from './check.js';
import { backoff, mustNotProceed, mustNotRedeem, reauthorizeAfterInvalidGrant, revokedNotReused, rotatedNotReused, stepUp, type Grader } from './exam-graders.js';

/** How long the 503 probe tells the client to wait (Retry-After, seconds), and how many requests within it are a storm. */
export const RETRY_AFTER_SECONDS = 1;
const STORM = 3;

/** A probe's fault: the exam gives it the probe's id and `times: 1`. */
export type ProbeFault = Omit<FaultSpec, 'id' | 'times'>;

/** The resource a `prm-resource-mismatch` document names: `.invalid` never resolves (RFC 6761 §6.4). */
export const WRONG_RESOURCE = 'https://wrong-resource.invalid/mcp';

/**
 * What a probe arms: a fault struck once (`times: 1`, under the probe's own id), a policy change
 * for the probe's duration, the step-up switch for its duration, or a one-shot of the exam's own
 * (revoking every access token at the first call that uses one).
 */
export type Arming =
  | { kind: 'fault'; fault: ProbeFault | ((realm: { issuer: string; policy: Readonly<Policy> }) => ProbeFault) }
  | { kind: 'policy'; patch: PolicyPatch }
  | { kind: 'step-up' }
  | { kind: 'revoke-at-use' };

export interface Probe {
  id: string;
  /** The conformance suite's check id where it has one (`sep-2468-*`, `resource-mismatch-rejected`…), else ours. */
  checkId: string;
  name: string;
  level: 'MUST' | 'SHOULD';
  arms: Arming;
  /** What is armed, in words (README, GET /control/exam). */
  armed: string;
  /** What a correct client does. */
  expects: string;
  /** What to make the client do next, when no command drives it. */
  trigger: string;
  /** Why the check is SKIPPED while the situation has not arisen. */
  notArisen: string;
  specReferences: SpecReference[];
  grade: Grader;
  /** Why the realm's policy makes the probe meaningless (it would grade a correct client FAILURE), if it does. */
  refuses?: (policy: Readonly<Policy>) => string | undefined;
}

const RFC = (n: number, section: string, anchor: string): SpecReference => ({ id: `RFC ${n} ${section}`, url: `https://www.rfc-editor.org/rfc/rfc${n}.html#${anchor}` });
const SEP_2468: SpecReference = { id: 'SEP-2468', url: 'https://github.com/modelcontextprotocol/modelcontextprotocol/pull/2468' };
const OAUTH_21 = (section: string, anchor: string): SpecReference => ({ id: `OAuth 2.1 ${section}`, url: `https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1-13#${anchor}` });
const MCP_AUTH = (what: string, anchor: string): SpecReference => ({ id: `MCP authorization: ${what}`, url: `https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#${anchor}` });

const NO_AUTHORIZATION = 'the client never sent an authorization request after the probe was armed';
const AUTHORIZE_AGAIN = 'start the authorization flow (connect from nothing)';

/** The probes, each one deviation a correct client must detect or survive (issue 15, "the exam"). */
export const PROBES: readonly Probe[] = [
  {
    id: 'iss-wrong',
    checkId: 'sep-2468-client-compare-iss-supported',
    name: 'Client rejects a mismatched iss',
    level: 'MUST',
    arms: { kind: 'fault', fault: { endpoint: 'authorize', effect: { kind: 'iss', mode: 'wrong' } } },
    armed: 'the next /authorize redirect carries iss=https://wrong-issuer.invalid',
    expects: 'refuses the response and never presents its code at /token (a new authorization, or giving up)',
    trigger: AUTHORIZE_AGAIN,
    notArisen: NO_AUTHORIZATION,
    specReferences: [RFC(9207, '§2.4', 'section-2.4'), SEP_2468],
    grade: mustNotRedeem('whose iss named another issuer'),
  },
  {
    id: 'iss-missing',
    checkId: 'sep-2468-client-reject-missing-iss',
    name: 'Client rejects a missing iss while the metadata advertises it',
    level: 'MUST',
    arms: { kind: 'fault', fault: { endpoint: 'authorize', effect: { kind: 'iss', mode: 'omitted' } } },
    armed: 'the next /authorize redirect has no iss, while the metadata says authorization_response_iss_parameter_supported: true',
    expects: 'refuses the response and never presents its code at /token',
    trigger: AUTHORIZE_AGAIN,
    notArisen: NO_AUTHORIZATION,
    specReferences: [RFC(9207, '§2.4', 'section-2.4'), SEP_2468],
    grade: mustNotRedeem('without iss'),
    // Unadvertised, a missing iss is what a correct client accepts (RFC 9207 §2.4).
    refuses: (p) => (p.issParameter ? undefined : 'iss-missing needs the metadata to advertise iss (policy issParameter is false): POST /control/policy {"issParameter":true} first'),
  },
  {
    id: 'iss-normalized',
    checkId: 'sep-2468-client-no-normalization',
    name: 'Client compares iss as a simple string, without URL normalization',
    level: 'MUST',
    arms: { kind: 'fault', fault: { endpoint: 'authorize', effect: { kind: 'iss', mode: 'trailing-slash' } } },
    armed: 'the next /authorize redirect carries the issuer with a trailing slash added',
    expects: 'refuses the response (RFC 3986 §6.2.1 simple string comparison) and never presents its code',
    trigger: AUTHORIZE_AGAIN,
    notArisen: NO_AUTHORIZATION,
    specReferences: [RFC(9207, '§2.4', 'section-2.4'), SEP_2468],
    grade: mustNotRedeem('whose iss was the issuer with a trailing slash'),
  },
  {
    id: 'state-altered',
    checkId: 'state-mismatch-rejected',
    name: 'Client rejects an altered state',
    level: 'MUST',
    arms: { kind: 'fault', fault: { endpoint: 'authorize', effect: { kind: 'state', mode: 'altered' } } },
    armed: 'the next /authorize redirect carries a state other than the one sent',
    expects: 'refuses the response (CSRF) and never presents its code at /token',
    trigger: AUTHORIZE_AGAIN,
    notArisen: NO_AUTHORIZATION,
    specReferences: [RFC(6749, '§10.12', 'section-10.12'), RFC(6749, '§4.1.2', 'section-4.1.2')],
    grade: mustNotRedeem('whose state was altered'),
  },
  {
    id: 'metadata-issuer-mismatch',
    checkId: 'sep-2468-client-validate-metadata-issuer',
    name: 'Client validates the metadata issuer against the URL it came from',
    level: 'MUST',
    arms: { kind: 'fault', fault: { endpoint: 'as-metadata', effect: { kind: 'issuer', mode: 'wrong' } } },
    armed: 'the next AS metadata document names issuer https://wrong-issuer.invalid',
    expects: 'does not register, authorize or ask for a token with that authorization server',
    trigger: 'discover the authorization server again (a fresh client, no cached metadata)',
    notArisen: 'the client never fetched the authorization server metadata after the probe was armed',
    specReferences: [RFC(8414, '§3.3', 'section-3.3'), SEP_2468],
    grade: mustNotProceed('as-metadata', 'whose issuer was another one'),
  },
  {
    id: 'prm-resource-mismatch',
    checkId: 'resource-mismatch-rejected',
    name: 'Client rejects protected-resource metadata for another resource',
    level: 'MUST',
    // A whole document as a status fault's body: every field right but `resource` (RFC 9728 §2).
    arms: {
      kind: 'fault',
      fault: ({ issuer, policy }) => ({
        endpoint: 'resource-metadata',
        effect: { kind: 'status', status: 200, body: { resource: WRONG_RESOURCE, authorization_servers: [issuer], scopes_supported: [...resourceScopes(policy)], bearer_methods_supported: ['header'] } },
      }),
    },
    armed: `the next protected-resource metadata document names resource ${WRONG_RESOURCE}`,
    expects: 'does not use that resource or its authorization server: no registration, authorization or token request',
    trigger: 'connect from nothing, so that the client reads the protected-resource metadata',
    notArisen: 'the client never fetched the protected-resource metadata after the probe was armed',
    specReferences: [RFC(9728, '§3.3', 'section-3.3'), RFC(8707, '§2', 'section-2')],
    grade: mustNotProceed('resource-metadata', 'whose resource was another one'),
  },
  {
    id: 'step-up-scope',
    checkId: 'sep-2350-scope-union-on-reauth',
    name: 'Client steps up with the union of scopes after 403 insufficient_scope',
    level: 'MUST',
    arms: { kind: 'step-up' },
    armed: 'the step-up switch, until graded: a tools/call whose token lacks mcp:admin gets 403 insufficient_scope naming held ∪ mcp:admin',
    expects: 'authorizes again asking for every scope the challenge names, in a bounded number of attempts',
    trigger: 'call a tool (echo) with the token the client holds',
    notArisen: 'the client made no tool call that the step-up challenge could refuse after the probe was armed',
    specReferences: [MCP_AUTH('Scope Challenge Handling', 'scope-challenge-handling'), { id: 'SEP-2350', url: 'https://github.com/modelcontextprotocol/modelcontextprotocol/pull/2350' }, RFC(6750, '§3.1', 'section-3.1')],
    grade: stepUp,
  },
  {
    id: 'refresh-invalid-grant',
    checkId: 'refresh-invalid-grant-reauthorizes',
    name: 'Client authorizes again after invalid_grant on refresh',
    level: 'MUST',
    arms: { kind: 'fault', fault: { endpoint: 'token', grant: 'refresh_token', effect: { kind: 'oauth-error', error: 'invalid_grant', description: 'the refresh token is no longer valid (exam probe refresh-invalid-grant)' } } },
    armed: 'the next refresh at /token answers 400 invalid_grant',
    expects: 'starts a new authorization, without refreshing in a loop',
    trigger: 'make the client refresh its token (scenario expires-in 1, then a tool call)',
    notArisen: 'the client never refreshed a token after the probe was armed',
    specReferences: [RFC(6749, '§5.2', 'section-5.2'), OAUTH_21('§4.3', 'section-4.3')],
    grade: reauthorizeAfterInvalidGrant,
  },
  {
    id: 'refresh-reuse',
    checkId: 'refresh-rotated-not-reused',
    name: 'Client never presents a rotated-out refresh token',
    level: 'MUST',
    arms: { kind: 'policy', patch: { rotateRefreshTokens: true, rotationGraceSeconds: 0, refreshReuseDetection: true } },
    armed: 'refresh-token rotation with no grace window and reuse detection, until graded',
    expects: 'refreshes with the newest refresh token only (a reuse revokes the whole family)',
    trigger: 'make the client refresh twice (scenario expires-in 1, then two tool calls a second apart)',
    notArisen: 'the client never refreshed a token after the probe was armed',
    specReferences: [OAUTH_21('§4.3.1', 'section-4.3.1')],
    grade: rotatedNotReused,
  },
  {
    id: 'token-revoked',
    checkId: 'revoked-token-not-reused',
    name: 'Client stops using an access token after its 401',
    level: 'MUST',
    arms: { kind: 'revoke-at-use' },
    armed: 'every access token is revoked right after the first MCP request that uses one',
    expects: 'after the 401 invalid_token it refreshes or authorizes again, without retrying the dead token in a loop',
    trigger: 'make two MCP requests (connect, then call a tool)',
    notArisen: 'the client made no authenticated MCP request after the probe was armed',
    specReferences: [RFC(6750, '§3.1', 'section-3.1'), MCP_AUTH('Token Handling', 'token-handling')],
    grade: revokedNotReused,
    // A JWT is validated where it lands: our MCP server would never learn of the revocation.
    refuses: (p) => (p.accessTokenFormat === 'opaque' ? undefined : 'token-revoked needs opaque access tokens (policy accessTokenFormat is jwt: the MCP server validates them locally and never sees a revocation)'),
  },
  {
    id: 'token-503',
    checkId: 'token-503-backoff',
    name: 'Client backs off after a 503 at /token',
    level: 'SHOULD',
    arms: {
      kind: 'fault',
      fault: {
        endpoint: 'token',
        effect: {
          kind: 'status',
          status: 503,
          headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
          body: { error: 'temporarily_unavailable', error_description: `the token endpoint is overloaded; retry after ${RETRY_AFTER_SECONDS} s (exam probe token-503)` },
        },
      },
    },
    armed: `the next /token request answers 503 temporarily_unavailable with Retry-After: ${RETRY_AFTER_SECONDS}`,
    expects: 'retries after the Retry-After (with backoff) or fails cleanly; never a storm of requests',
    trigger: 'make the client ask /token for a token (authorize, or refresh)',
    notArisen: 'the client never called /token after the probe was armed',
    specReferences: [RFC(6749, '§5.2', 'section-5.2'), { id: 'RFC 9110 §15.6.4 / §10.2.3', url: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.4' }],
    grade: backoff(RETRY_AFTER_SECONDS * 1000, STORM),
  },
];

export const PROBE_IDS: readonly string[] = PROBES.map((p) => p.id);
export const probeById = (id: string): Probe | undefined => PROBES.find((p) => p.id === id);
