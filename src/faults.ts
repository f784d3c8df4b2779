import { z } from 'zod';
import { jsonBytes, utf8Bytes } from './http/json.js';
import { GRANT_TYPES } from './policy.js';

/** At most this many faults per realm (switches included): the list is walked on every request it may strike. */
export const MAX_FAULTS = 100;
/** At most this many bytes in a status fault's body (UTF-8; a JSON body as sent). */
export const MAX_FAULT_BODY_BYTES = 16 * 1024;
const MAX_FAULT_HEADERS = 32;
const MAX_HEADER_VALUE = 4096;
const MAX_OMIT_FIELDS = 32;

/** Where a fault can strike. */
export const ENDPOINTS = [
  'authorize',
  'token',
  'register',
  'introspect',
  'revoke',
  'as-metadata',
  'jwks',
  'resource-metadata',
  'mcp',
  /** Not an endpoint: the authorization server's fetch of a client ID metadata document (oauth/cimd.ts). */
  'cimd-fetch',
] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** Endpoints whose successful answer has no OAuth fields to omit. */
const NO_FIELDS: readonly Endpoint[] = ['revoke', 'mcp'];

export const AS_ENDPOINTS: readonly Endpoint[] = ['authorize', 'token', 'register', 'introspect', 'revoke', 'as-metadata', 'jwks', 'cimd-fetch'];

/**
 * What a `token-flaw` fault does to the access token /token mints (a JWT, whatever the format), each
 * a check a locally validating resource server must make: its kid in no JWKS of the realm (RFC 7515
 * §4.1.4), an `exp` already past (RFC 7519 §4.1.4), an audience that is not the resource (RFC 9068
 * §4, RFC 8707), unsigned with `alg: none` (RFC 7519 §6, RFC 8725 §3.1). The AS records the token as
 * it minted it, so an introspecting resource server is told what that record says.
 */
export const TOKEN_FLAWS = ['unknown-kid', 'expired', 'wrong-aud', 'alg-none'] as const;
export type TokenFlaw = (typeof TOKEN_FLAWS)[number];
const FLAW_BREAKS: Record<TokenFlaw, string> = {
  'unknown-kid': 'RFC 7515 §4.1.4 / RFC 9068 §4 (signed with a key whose kid is not in the JWKS)',
  expired: 'RFC 7519 §4.1.4 / RFC 9068 §4 (exp already in the past)',
  'wrong-aud': 'RFC 9068 §4 / RFC 8707 (aud is not this resource)',
  'alg-none': 'RFC 7519 §6 / RFC 8725 §3.1 (an unsecured JWT, alg "none")',
};
export const RS_ENDPOINTS: readonly Endpoint[] = ['resource-metadata', 'mcp'];

/** RFC 9110 §5.6.2 token: what a field name may be. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9110 §5.5 field value as Node sends it: Latin-1, tab allowed, no CR/LF/NUL or other controls. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Headers that frame the message (RFC 9110 §6.4, §7.6.1): the HTTP layer owns them. */
const FRAMING_HEADERS = ['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer'];
/** Statuses whose answers carry no content. */
const NO_BODY_STATUSES = [204, 205, 304];

/**
 * The status an injected OAuth error gets when the fault names none: the one its code has in the
 * standards, so a client reacts as it would to the real thing (clients refresh on 401 only).
 * Resource server, RFC 6750 §3.1: invalid_request 400, invalid_token 401, insufficient_scope 403.
 * Token-style endpoints, RFC 6749 §5.2: 400, but invalid_client 401; server_error and
 * temporarily_unavailable (RFC 6749 §4.1.2.1 codes) as the HTTP statuses they name, 500 and 503.
 */
export function standardStatus(endpoint: Endpoint, error: string): number {
  if (error === 'invalid_token' || error === 'invalid_client') return 401;
  if (error === 'insufficient_scope') return 403;
  if (error === 'server_error') return 500;
  if (error === 'temporarily_unavailable') return 503;
  return endpoint === 'mcp' && error !== 'invalid_request' ? 401 : 400;
}

/**
 * What can go wrong with a client ID metadata document fetch, each the rule it exercises
 * (draft-ietf-oauth-client-id-metadata-document, "CIMD"): the host does not answer; the document
 * names another client_id (it must equal the URL); it is over the 5 KB limit; it comes later than
 * CIMD_TIMEOUT_MS allows.
 */
export const CIMD_PROBLEMS = {
  unreachable: 'the document could not be fetched: the client must be told the authorization server cannot reach its client_id URL (invalid_client)',
  'wrong-client-id': 'CIMD "Client Metadata": the document\'s client_id must equal its URL by simple string comparison (RFC 3986 §6.2.1)',
  oversize: 'CIMD: a document is at most 5 KB (the size limit this server applies, as the draft recommends)',
  slow: 'the fetch takes longer than CIMD_TIMEOUT_MS: the authorization server gives up (invalid_client)',
} as const;
export type CimdProblem = keyof typeof CIMD_PROBLEMS;

/**
 * How an `iss` fault spoils the RFC 9207 `iss` of an /authorize redirect (errors included), and how an
 * `issuer` fault spoils the RFC 8414 `issuer` of the metadata document. The variants are strings a
 * normalising comparison takes for the issuer, each one SEP-2468 (MCP 2026-07-28, "Authorization
 * Response Validation") says a client must refuse: compare by RFC 3986 §6.2.1 simple string comparison.
 */
export const ISSUER_VARIANTS = {
  wrong: 'another issuer (https://wrong-issuer.invalid): the mix-up attack RFC 9207 §1 guards against',
  'trailing-slash': 'the issuer with a trailing slash added (or removed, when it has one)',
  'upper-case': 'the issuer with its scheme and host upper-cased (RFC 3986 §6.2.2.1 calls them case-insensitive; the comparison must not)',
  'default-port': "the issuer with its port written out: the scheme's default port when it has none, else its port with a leading zero (a URL parser reads both as the same origin)",
} as const;
export type IssuerVariant = keyof typeof ISSUER_VARIANTS;
const VARIANT_NAMES = Object.keys(ISSUER_VARIANTS) as [IssuerVariant, ...IssuerVariant[]];
/** The `iss` fault's modes: a variant, or `omitted` (advertised, not sent), or `unadvertised` (sent whatever the policy advertises). */
export const ISS_MODES = [...VARIANT_NAMES, 'omitted', 'unadvertised'] as const;
export type IssMode = (typeof ISS_MODES)[number];
const ISS_BREAKS: Record<IssMode, string> = {
  wrong: 'RFC 9207 §2 / §2.4 (iss must be the issuer the client discovered: a mismatch is refused before /token)',
  'trailing-slash': 'RFC 9207 §2.4 / SEP-2468 (iss compared by simple string comparison, RFC 3986 §6.2.1: no trailing-slash leeway)',
  'upper-case': 'RFC 9207 §2.4 / SEP-2468 (simple string comparison: scheme and host are not case-folded)',
  'default-port': 'RFC 9207 §2.4 / SEP-2468 (simple string comparison: a port written out is not dropped)',
  omitted: 'RFC 9207 §2.3 / §2.4 (authorization_response_iss_parameter_supported is true, so iss must be present)',
  unadvertised: 'RFC 9207 §2.3 (an authorization server that sends iss must advertise authorization_response_iss_parameter_supported: true)',
};
const ISSUER_BREAKS: Record<IssuerVariant, string> = {
  wrong: 'RFC 8414 §3.3 (issuer must be identical to the issuer the metadata URL was built from; another origin)',
  'trailing-slash': 'RFC 8414 §3.3 (issuer must be identical: a trailing slash makes it another string)',
  'upper-case': 'RFC 8414 §3.3 (issuer must be identical: case-folded scheme or host is another string)',
  'default-port': 'RFC 8414 §3.3 (issuer must be identical: a port written out is another string)',
};
/** How a `state` fault spoils the /authorize redirect's state (RFC 6749 §4.1.2, §10.12: the client must refuse a response whose state does not match). */
export const STATE_MODES = ['dropped', 'altered'] as const;
export type StateMode = (typeof STATE_MODES)[number];

/**
 * How a `token-shape` fault bends /token's answer, each what a real provider does and the rule it
 * departs from. All but the `error-200*` ones still grant: the tokens are issued and kept as usual,
 * only their answer is bent. The `error-200*` ones refuse (nothing issued) with HTTP 200.
 */
export const TOKEN_SHAPES = {
  'lowercase-bearer': 'RFC 6749 §5.1 / §7.1 (token_type is case-insensitive: "bearer" is permitted, yet clients comparing to "Bearer" break)',
  'no-expires-in': 'RFC 6749 §5.1 (expires_in is RECOMMENDED: a client must pick a lifetime itself)',
  'string-expires-in': 'RFC 6749 §5.1 / Appendix A.14 (expires_in is a JSON number; sent as the string "3600")',
  'no-scope': 'RFC 6749 §5.1 (scope is REQUIRED when it differs from the request: omitted though narrowed or defaulted)',
  'narrowed-scope': 'RFC 6749 §3.3 / §5.1 (scope names fewer scopes than the token carries: only the first; the token keeps all it was granted)',
  'null-fields': 'RFC 8259 / RFC 6749 §5.1 (absent members sent as null: "refresh_token": null when none was issued, "id_token": null)',
  'form-encoded': 'RFC 6749 §5.1 (the answer is application/json; this one is application/x-www-form-urlencoded, GitHub\'s default)',
  'status-201': 'RFC 6749 §5.1 (a successful token answer is 200 OK; this one is 201 Created)',
  'error-200-slack': 'RFC 6749 §5.2 (errors are 400/401 with {"error":…}; this is Slack\'s 200 {"ok":false,"error":…})',
  'error-200': 'RFC 6749 §5.2 (errors are 400/401; this is 200 with {"error":…,"error_description":…})',
  'slack-user-token':
    'RFC 6749 §5.1 / §5.2 / §7.1 (Slack\'s oauth.v2.user.access: tokens as {"ok":true,…,"token_type":"user"}, an unknown token type, and every refusal as 200 {"ok":false,"error":…})',
  'form-encoded-unless-json':
    'RFC 6749 §5.1 (the answer is application/json; GitHub sends application/x-www-form-urlencoded unless the request\'s Accept asks for application/json)',
} as const;
export type TokenShape = keyof typeof TOKEN_SHAPES;
export const TOKEN_SHAPE_ERRORS: readonly TokenShape[] = ['error-200-slack', 'error-200'];
/** Quirks that grant as usual and also answer the endpoint's own refusals their way (a persona's standing shape). */
export const TOKEN_SHAPE_REFUSALS: readonly TokenShape[] = ['slack-user-token'];

const EffectSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('oauth-error'),
      error: z.string().regex(/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/, 'an OAuth error code'),
      status: z.number().int().min(400).max(599).optional(),
      description: z.string().max(500).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('status'),
      // 1xx are interim answers: a handler cannot send one as its final answer.
      status: z.number().int().min(200, 'a final status (200-599): 1xx are interim answers the server cannot send as its answer').max(599),
      body: z
        .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())])
        .optional()
        .refine((b) => b === undefined || (typeof b === 'string' ? utf8Bytes(b) : jsonBytes(b)) <= MAX_FAULT_BODY_BYTES, {
          message: `a status body is at most ${MAX_FAULT_BODY_BYTES / 1024} KiB`,
        }),
      headers: z
        .record(z.string(), z.string().max(MAX_HEADER_VALUE).regex(HEADER_VALUE, 'a header value must be Latin-1 text with no CR, LF or other control characters (RFC 9110 §5.5)'))
        .optional()
        .refine((h) => !h || Object.keys(h).length <= MAX_FAULT_HEADERS, { message: `at most ${MAX_FAULT_HEADERS} headers` })
        .superRefine((h, ctx) => {
          for (const name of Object.keys(h ?? {})) {
            if (!HEADER_NAME.test(name)) {
              ctx.addIssue({ code: 'custom', message: `header name ${JSON.stringify(name)} is not an RFC 9110 token (letters, digits and !#$%&'*+-.^_\`|~; no spaces or colons)` });
            } else if (FRAMING_HEADERS.includes(name.toLowerCase())) {
              ctx.addIssue({ code: 'custom', message: `header ${name}: the server frames the answer itself (${FRAMING_HEADERS.join(', ')} cannot be set)` });
            }
          }
        }),
    })
    .strict()
    .refine((e) => e.body === undefined || !NO_BODY_STATUSES.includes(e.status), {
      message: `status ${NO_BODY_STATUSES.join('/')} answers have no body (RFC 9110 §15.3.5, §15.4.5): drop body`,
      path: ['body'],
    }),
  z.object({ kind: z.literal('latency'), ms: z.number().int().min(1).max(120_000) }).strict(),
  z.object({ kind: z.literal('drop') }).strict(),
  z.object({ kind: z.literal('omit'), fields: z.array(z.string().min(1).max(128)).min(1).max(MAX_OMIT_FIELDS) }).strict(),
  z.object({ kind: z.literal('token-flaw'), flaw: z.enum(TOKEN_FLAWS) }).strict(),
  z.object({ kind: z.literal('stale-jwks') }).strict(),
  z.object({ kind: z.literal('iss'), mode: z.enum(ISS_MODES) }).strict(),
  z.object({ kind: z.literal('issuer'), mode: z.enum(VARIANT_NAMES) }).strict(),
  z.object({ kind: z.literal('state'), mode: z.enum(STATE_MODES) }).strict(),
  z
    .object({
      kind: z.literal('token-shape'),
      quirk: z.enum(Object.keys(TOKEN_SHAPES) as [TokenShape, ...TokenShape[]]),
      // For the error-200 quirks: the error code the 200 answer carries.
      error: z.string().regex(/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/, 'an OAuth error code').optional(),
    })
    .strict()
    .refine((e) => e.error === undefined || TOKEN_SHAPE_ERRORS.includes(e.quirk), { message: `error applies only to the quirks ${TOKEN_SHAPE_ERRORS.join(', ')}`, path: ['error'] }),
  // clientId: the first registration's, written by /register when the fault first strikes.
  z.object({ kind: z.literal('same-client-id'), clientId: z.string().min(1).max(256).optional() }).strict(),
  z.object({ kind: z.literal('cimd'), problem: z.enum(Object.keys(CIMD_PROBLEMS) as [CimdProblem, ...CimdProblem[]]) }).strict(),
  z.object({ kind: z.literal('invalid-target') }).strict(),
]);
export type Effect = z.infer<typeof EffectSchema>;

export const FaultSpecSchema = z
  .object({
    endpoint: z.enum(ENDPOINTS),
    grant: z.enum(GRANT_TYPES).optional(),
    rpcMethod: z.string().min(1).max(256).optional(),
    effect: EffectSchema,
    times: z.number().int().min(1).max(1_000_000).optional(),
    id: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/).optional(),
  })
  .strict()
  .refine((f) => f.grant === undefined || f.endpoint === 'token', { message: 'grant applies only to endpoint "token"', path: ['grant'] })
  .refine((f) => f.rpcMethod === undefined || f.endpoint === 'mcp', { message: 'rpcMethod applies only to endpoint "mcp"', path: ['rpcMethod'] })
  .refine((f) => f.effect.kind !== 'token-flaw' || f.endpoint === 'token', { message: 'token-flaw applies only to endpoint "token" (it flaws the access token /token mints)', path: ['effect'] })
  .refine((f) => f.effect.kind !== 'stale-jwks' || f.endpoint === 'jwks', { message: 'stale-jwks applies only to endpoint "jwks"', path: ['effect'] })
  .refine((f) => (f.effect.kind !== 'iss' && f.effect.kind !== 'state') || f.endpoint === 'authorize', {
    message: 'iss and state apply only to endpoint "authorize" (they spoil its redirect)',
    path: ['effect'],
  })
  .refine((f) => f.effect.kind !== 'issuer' || f.endpoint === 'as-metadata', { message: 'issuer applies only to endpoint "as-metadata" (it spoils the metadata document\'s issuer)', path: ['effect'] })
  .refine((f) => f.effect.kind !== 'token-shape' || f.endpoint === 'token', { message: 'token-shape applies only to endpoint "token"', path: ['effect'] })
  .refine((f) => f.effect.kind !== 'invalid-target' || f.endpoint === 'authorize', { message: 'invalid-target applies only to endpoint "authorize" (it refuses a resource asked for with scopes not of that resource)', path: ['effect'] })
  .refine((f) => f.effect.kind !== 'same-client-id' || f.endpoint === 'register', { message: 'same-client-id applies only to endpoint "register"', path: ['effect'] })
  .refine((f) => f.effect.kind !== 'omit' || !NO_FIELDS.includes(f.endpoint), {
    message: 'omit needs an answer with fields: /revoke answers an empty 200 and /mcp answers JSON-RPC; use status or oauth-error there',
    path: ['effect'],
  })
  .refine((f) => (f.effect.kind === 'cimd') === (f.endpoint === 'cimd-fetch'), {
    message: `endpoint "cimd-fetch" takes exactly the effect {"kind":"cimd","problem":…} (${Object.keys(CIMD_PROBLEMS).join(', ')}), and that effect no other endpoint`,
    path: ['effect'],
  });
export type FaultSpec = z.infer<typeof FaultSpecSchema>;

export interface Fault extends FaultSpec {
  id: string;
  /** Hits left; null means until removed. */
  remaining: number | null;
  hits: number;
  /** The standard (and section) whose behaviour this fault departs from. */
  breaks: string;
}

/** For each effect: what it does and what it breaks, so users know which client behaviour they are testing. */
export const EFFECT_CATALOGUE: Record<Effect['kind'], { does: string; breaks: string }> = {
  'oauth-error': {
    does: 'answers with this OAuth error (JSON per RFC 6749 §5.2 / RFC 7591 §3.2.2; a redirect at /authorize; a Bearer challenge at /mcp)',
    breaks: 'the success path of the endpoint: RFC 6749 §4.1.2.1 / §5.2, RFC 6750 §3.1, RFC 7591 §3.2.2',
  },
  status: { does: 'answers with this HTTP status, body and headers instead', breaks: 'the endpoint contract itself (any RFC: the client must cope with the unexpected)' },
  latency: { does: 'delays the answer by ms, then answers normally', breaks: 'nothing in the RFCs: tests client timeouts and spinners' },
  drop: { does: 'closes the connection without answering', breaks: 'HTTP itself (RFC 9110): tests network-error handling and retries' },
  cimd: {
    does: 'at endpoint cimd-fetch: spoils the next client ID metadata document fetch (problem unreachable, wrong-client-id, oversize or slow)',
    breaks: 'draft-ietf-oauth-client-id-metadata-document: the rule the problem names (see CIMD_PROBLEMS)',
  },
  omit: {
    does: 'removes these fields from the JSON answer (or these parameters from the /authorize redirect)',
    breaks: 'whichever field is omitted: e.g. refresh_token (RFC 6749 §5.1 allows it), iss (RFC 9207 §2), state (RFC 6749 §4.1.2)',
  },
  'token-flaw': {
    does: `at /token: the access token is a JWT with this flaw (${TOKEN_FLAWS.join(', ')}), recorded by the AS as minted`,
    breaks: 'RFC 9068 §4 (what a resource server validating JWTs must check): the flaw names the rule',
  },
  iss: {
    does: `at /authorize: the redirect's iss (errors included) is spoilt by mode: ${ISS_MODES.join(', ')}`,
    breaks: 'RFC 9207 §2 / §2.4 and SEP-2468: the mode names the rule',
  },
  issuer: {
    does: `at the AS metadata: the document's issuer (and no other field) is spoilt by mode: ${VARIANT_NAMES.join(', ')}`,
    breaks: 'RFC 8414 §3.3 (issuer identical to the one the metadata URL was built from)',
  },
  state: {
    does: 'at /authorize: the redirect\'s state is dropped, or altered (a different value; one is sent when the client sent none)',
    breaks: 'RFC 6749 §4.1.2 / §10.12 (state must be echoed exactly; the client must refuse a mismatch)',
  },
  'stale-jwks': {
    does: 'at /jwks: serves the set without its newest key, as a cache that missed the rotation would',
    breaks: 'RFC 7517 §5 / RFC 9068 §4 (the JWKS must hold the key that signed the token)',
  },
  'token-shape': {
    does: `at /token: bends the answer's shape (quirk ${Object.keys(TOKEN_SHAPES).join(', ')}); the grant still happens but for the error-200 quirks`,
    breaks: 'RFC 6749 §5.1 / §5.2 (the token response\'s shape): the quirk names the rule',
  },
  'invalid-target': {
    does: 'at /authorize: a request naming a resource (RFC 8707) with a scope not written <resource>/<scope> is refused with invalid_target, as Entra ID refuses one (AADSTS9010010)',
    breaks: 'nothing strictly: RFC 8707 §2 lets an authorization server refuse a resource with scopes it does not serve (invalid_target); MCP clients send resource with the PRM\'s plain scopes',
  },
  'same-client-id': {
    does: 'at /register: every registration while it lasts gets the client_id of the first one (whose record the latest registration replaces)',
    breaks: 'RFC 7591 §3.2.1 (client_id is unique to each registered client)',
  },
};

function breaksFor(spec: FaultSpec): string {
  const e = spec.effect;
  if (e.kind === 'oauth-error') {
    const bySection: Record<Endpoint, string> = {
      authorize: 'RFC 6749 §4.1.2.1 (authorization error response)',
      token: 'RFC 6749 §5.2 (token error response)',
      register: 'RFC 7591 §3.2.2 (registration error response)',
      introspect: 'RFC 7662 §2.3 (introspection error response)',
      revoke: 'RFC 7009 §2.2.1 (revocation error response)',
      'as-metadata': 'RFC 8414 §3.2 (metadata must be served with 200)',
      'resource-metadata': 'RFC 9728 §3.2 (metadata must be served with 200)',
      mcp: 'RFC 6750 §3.1 (Bearer error codes)',
      jwks: 'RFC 7517 §5 (the JWK Set must be served)',
      'cimd-fetch': '',
    };
    return bySection[spec.endpoint];
  }
  if (e.kind === 'token-flaw') return FLAW_BREAKS[e.flaw];
  if (e.kind === 'omit') {
    const known: Record<string, string> = {
      refresh_token: 'RFC 6749 §5.1 / §6 (refresh_token is optional in a response: client must keep the old one)',
      iss: 'RFC 9207 §2 (iss in the authorization response)',
      state: 'RFC 6749 §4.1.2 (state must be echoed)',
      expires_in: 'RFC 6749 §5.1 (expires_in is recommended, not required)',
      scope: 'RFC 6749 §5.1 (scope may be omitted when identical to the request)',
      code_challenge_methods_supported: 'MCP authorization (2025-11-25): clients must refuse an AS without it',
    };
    return e.fields.map((f) => known[f] ?? `the ${f} field`).join('; ');
  }
  if (e.kind === 'cimd') return CIMD_PROBLEMS[e.problem];
  if (e.kind === 'iss') return ISS_BREAKS[e.mode];
  if (e.kind === 'issuer') return ISSUER_BREAKS[e.mode];
  if (e.kind === 'token-shape') return TOKEN_SHAPES[e.quirk];
  return EFFECT_CATALOGUE[e.kind].breaks;
}

/**
 * The faults as a state file keeps them: each one's spec (with its id) and how far it has gone, and
 * the number the next unnamed fault takes. `breaks` is derived again on restore.
 */
export const FaultsSnapshotSchema = z
  .object({
    next: z.number().int().min(0),
    faults: z
      .array(
        z
          .object({ spec: FaultSpecSchema, remaining: z.number().int().min(1).nullable(), hits: z.number().int().min(0) })
          .strict()
          .refine((f) => f.spec.id !== undefined, { message: 'a kept fault has an id', path: ['spec', 'id'] }),
      )
      .max(MAX_FAULTS)
      .refine((a) => new Set(a.map((f) => f.spec.id)).size === a.length, 'two faults with one id'),
  })
  .strict();
export type FaultsSnapshot = z.infer<typeof FaultsSnapshotSchema>;

/** What one request is to do, once the matching faults have been taken. */
export interface Strike {
  latencyMs: number;
  /** The fault that replaces the answer (error, status, drop), if any. */
  answer?: Fault;
  omit: string[];
  ids: string[];
  /** A fault that changes what the endpoint answers without replacing it (token-flaw, stale-jwks). */
  alter?: Extract<Effect, { kind: 'token-flaw' | 'stale-jwks' }>;
  /** Faults that spoil an identity field of the answer (iss, issuer, state): the first of each kind. */
  identity?: Identity;
  /** An invalid-target fault: /authorize refuses a resource with scopes not of that resource. */
  target?: true;
  /** A fault that bends the answer's shape or identity (token-shape, same-client-id): composes with alter. */
  shape?: { fault: Fault; effect: Extract<Effect, { kind: 'token-shape' | 'same-client-id' }> };
}

/** What iss, issuer and state faults do to one answer. */
export interface Identity {
  iss?: IssMode;
  issuer?: IssuerVariant;
  state?: StateMode;
}

/** A new fault when the list already holds MAX_FAULTS: nothing was added. */
export class FaultsFull extends Error {
  override name = 'FaultsFull';
  constructor() {
    super(`the fault list is full (${MAX_FAULTS} faults); remove some (DELETE /control/faults/<id>, DELETE /control/faults) or POST /control/reset`);
  }
}

/** A fault as change answers list it: what it is and how far it has gone, without its body and headers. */
export type FaultSummary = Pick<Fault, 'id' | 'endpoint' | 'grant' | 'rpcMethod' | 'remaining' | 'hits'> & { kind: Effect['kind'] };

/**
 * The realm's faults: plain data that handlers consult at one step each (`take(endpoint)`).
 * The control plane is the only writer. Settings (rotation, lifetimes) are policy, not faults.
 */
export class Faults {
  private faults: Fault[] = [];
  private counter = 0;

  /** `prefix` starts an id given by this realm: servers run apart number their faults apart. */
  add(spec: FaultSpec, prefix = 'f'): Fault {
    const id = spec.id ?? `${prefix}${this.counter + 1}`;
    // Replacing a fault of the same id takes no room; a new one needs a free place.
    if (this.faults.length >= MAX_FAULTS && !this.has(id)) throw new FaultsFull();
    if (spec.id === undefined) this.counter++;
    this.remove(id);
    const fault: Fault = { ...spec, id, remaining: spec.times ?? null, hits: 0, breaks: breaksFor(spec) };
    this.faults.push(fault);
    return fault;
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length !== before;
  }

  get size(): number {
    return this.faults.length;
  }

  /** Every fault in brief: O(n) small entries, so an answer to a change stays small. */
  summaries(): FaultSummary[] {
    return this.faults.map((f) => ({ id: f.id, endpoint: f.endpoint, ...(f.grant ? { grant: f.grant } : {}), ...(f.rpcMethod ? { rpcMethod: f.rpcMethod } : {}), kind: f.effect.kind, remaining: f.remaining, hits: f.hits }));
  }

  /** same-client-id: the first registration's client_id, which the fault hands every later one. */
  pinClientId(id: string, clientId: string): void {
    const f = this.faults.find((x) => x.id === id);
    if (f?.effect.kind === 'same-client-id') f.effect = { ...f.effect, clientId };
  }

  has(id: string): boolean {
    return this.faults.some((f) => f.id === id);
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Drops faults on these endpoints (all when omitted). */
  clear(endpoints: readonly Endpoint[] = ENDPOINTS): void {
    this.faults = this.faults.filter((f) => !endpoints.includes(f.endpoint));
  }

  snapshot(): FaultsSnapshot {
    return {
      next: this.counter,
      faults: this.faults.map(({ remaining, hits, breaks: _breaks, ...spec }) => ({ spec: structuredClone(spec), remaining, hits })),
    };
  }

  /** Replaces every fault with a snapshot's (validated by FaultsSnapshotSchema). */
  restore(s: FaultsSnapshot): void {
    this.counter = s.next;
    this.faults = s.faults.map(({ spec, remaining, hits }) => ({ ...structuredClone(spec), id: spec.id!, remaining, hits, breaks: breaksFor(spec) }));
  }

  /**
   * Takes the faults that apply to one request and counts them down. Latencies add up; the first
   * replacing fault (error, status, drop) wins and later ones are left for later requests.
   */
  take(endpoint: Endpoint, sub?: { grant?: string; rpcMethod?: string }): Strike | undefined {
    if (this.faults.length === 0) return undefined;
    let strike: Strike | undefined;
    for (const f of this.faults) {
      if (f.endpoint !== endpoint) continue;
      if (f.grant !== undefined && f.grant !== sub?.grant) continue;
      if (f.rpcMethod !== undefined && f.rpcMethod !== sub?.rpcMethod) continue;
      strike ??= { latencyMs: 0, omit: [], ids: [] };
      const e = f.effect;
      if (e.kind === 'latency') strike.latencyMs += e.ms;
      else if (e.kind === 'omit') strike.omit.push(...e.fields);
      else if (e.kind === 'token-flaw' || e.kind === 'stale-jwks') {
        if (strike.alter) continue;
        strike.alter = e;
      } else if (e.kind === 'iss' || e.kind === 'issuer' || e.kind === 'state') {
        strike.identity ??= {};
        if (strike.identity[e.kind] !== undefined) continue;
        (strike.identity as Record<string, string>)[e.kind] = e.mode;
      } else if (e.kind === 'invalid-target') {
        if (strike.target) continue;
        strike.target = true;
      } else if (e.kind === 'token-shape' || e.kind === 'same-client-id') {
        if (strike.shape) continue;
        strike.shape = { fault: f, effect: e };
      } else if (strike.answer) continue;
      else strike.answer = f;
      f.hits++;
      strike.ids.push(f.id);
      if (f.remaining !== null) f.remaining--;
    }
    if (strike) this.faults = this.faults.filter((f) => f.remaining === null || f.remaining > 0);
    return strike;
  }
}
