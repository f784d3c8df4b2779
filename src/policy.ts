import { z } from 'zod';
import type { Config } from './config.js';

/** Grants the token endpoint serves; each has its handler in oauth/grants.ts. */
export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/** Client authentication methods this server implements (RFC 7591 §2, RFC 6749 §2.3.1). */
export const AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];
const SECRET_METHODS = ['client_secret_basic', 'client_secret_post'] as const;
/**
 * Signature algorithms a private_key_jwt client assertion may use (RFC 7523 §3, RFC 8414
 * token_endpoint_auth_signing_alg_values_supported): asymmetric only, so `none` and the HMAC ones
 * (client_secret_jwt, which this server does not implement) are refused.
 */
export const ASSERTION_ALGS = ['RS256', 'ES256', 'PS256', 'EdDSA'] as const;

/**
 * SEP-2207 (MCP authorization, "Refresh Tokens"): `always` issues one to every client that registered
 * the refresh_token grant; `offline_access` only when it also asked for that scope, the OIDC
 * convention some authorization servers follow; `never` issues none and serves no refresh grant.
 */
export const REFRESH_TOKEN_ISSUANCE = ['always', 'offline_access', 'never'] as const;
export type RefreshTokenIssuance = (typeof REFRESH_TOKEN_ISSUANCE)[number];
/**
 * MCP_ERA: which protocol eras the MCP server serves (mcp/era.ts): `dual` the 2025 revisions
 * (`initialize`) and 2026-07-28 (per-request `_meta`) on one endpoint, `modern` 2026-07-28 only,
 * `legacy` the 2025 revisions only (basic/versioning "Compatibility Matrix").
 */
export const MCP_ERAS = ['dual', 'modern', 'legacy'] as const;
export type McpEra = (typeof MCP_ERAS)[number];
/**
 * CONSENT: how /authorize decides on a valid request. `auto` approves it at once with the scope asked
 * for (the contract's automatic consent); `page` parks it and asks a person on the consent page
 * (oauth/consent.ts), who may grant fewer scopes, pick the test user, or deny.
 */
export const CONSENT_MODES = ['auto', 'page'] as const;
export type ConsentMode = (typeof CONSENT_MODES)[number];
/** ACCESS_TOKEN_FORMAT: random strings the AS alone can read, or RFC 9068 JWTs a resource server may validate locally. */
export const ACCESS_TOKEN_FORMATS = ['opaque', 'jwt'] as const;
export type AccessTokenFormat = (typeof ACCESS_TOKEN_FORMATS)[number];
/** Algorithms the AS signs JWT access tokens with (RFC 9068 §2.1: RS256 must be supported; ES256 is the compact one). */
export const SIGNING_ALGS = ['RS256', 'ES256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];
/** What AS metadata may say of PKCE methods (policy pkceMethodsAdvertised). */
export const PKCE_ADVERTISED = ['S256', 'S256 plain', 'omitted'] as const;
/**
 * Where protected-resource metadata is advertised (RFC 9728 §5.1 the `resource_metadata` challenge
 * parameter, §3 the well-known URL): both (MCP 2025-11-25 "MUST implement one of"), the challenge
 * only, the well-known URLs only, or neither (MCP 2025-03-26, which had no PRM).
 */
export const PRM_ADVERTISED = ['both', 'header', 'well-known', 'neither'] as const;
/** Where the PRM document is served and named: RFC 9728 §3.1 path-inserted, the host's root well-known, or a URL of our own naming (only the challenge can point at it). */
export const PRM_LOCATIONS = ['path-inserted', 'root', 'custom'] as const;
/** What the PRM's `resource` says (RFC 9728 §3.3: it MUST be the resource identifier the client used). */
export const PRM_RESOURCES = ['exact', 'trailing-slash', 'other-origin', 'wrong-path'] as const;
/** Which authorization servers the PRM names: this issuer, several, or a second issuer this process also serves (a migration, SEP-2352). */
export const PRM_ISSUERS = ['self', 'several', 'migrated'] as const;
/** Which AS discovery documents are served: RFC 8414, OpenID Connect Discovery 1.0, both, or none (MCP 2025-03-26 default endpoints). */
export const AS_DISCOVERY = ['both', 'rfc8414', 'oidc', 'none'] as const;
/** The scope by which a client asks for a refresh token (OpenID Connect Core §11). */
export const OFFLINE_ACCESS = 'offline_access';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const ScopeToken = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope token (RFC 6749 §3.3)');
const unique = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .min(1)
    .refine((a) => new Set(a).size === a.length, 'must not list a value twice');

/**
 * Every behaviour the standards let vary, for one realm. Discovery documents are built from it and
 * handlers consult it, so what is advertised is what is enforced (as oidc-provider computes discovery
 * from the configuration its actions check). Settings live here; departures from the standards are faults.
 */
export const PolicySchema = z
  .object({
    /** RFC 8414 grant_types_supported; also what /register accepts and /token serves. */
    grantTypes: unique(z.enum(GRANT_TYPES)).refine((g) => g.includes('authorization_code'), 'must include authorization_code'),
    /** RFC 8414 token_endpoint_auth_methods_supported; also what /register accepts. */
    tokenEndpointAuthMethods: unique(z.enum(AUTH_METHODS)),
    /** RFC 8414 token_endpoint_auth_signing_alg_values_supported: what a private_key_jwt assertion may be signed with. */
    tokenEndpointAuthSigningAlgs: unique(z.enum(ASSERTION_ALGS)),
    /** RFC 7662 §2.1: the introspection caller must authenticate, so only secret methods. */
    introspectionAuthMethods: unique(z.enum(SECRET_METHODS)),
    /** RFC 7009 §2.1: public clients may revoke their own tokens. */
    revocationAuthMethods: unique(z.enum(AUTH_METHODS)),
    /** RFC 7636 §4.3; OAuth 2.1 §4.1.1 leaves only S256 for new servers. */
    pkceMethods: unique(z.literal('S256')),
    /**
     * RFC 8414 code_challenge_methods_supported as advertised, apart from what is enforced (S256, and
     * never plain): `omitted` leaves the field out, which MCP authorization (2025-11-25 and later)
     * says a client MUST refuse to proceed with. Discovery that lies, for testing clients that trust it.
     */
    pkceMethodsAdvertised: z.enum(PKCE_ADVERTISED),
    /** OAuth 2.1 §4.1.2: a maximum lifetime of 10 minutes is recommended; ours is short on purpose. */
    codeTtlSeconds: z.number().int().min(1).max(600),
    /** TOKEN_TTL_SECONDS; /control/expires-in changes it for tokens issued from then on. */
    accessTokenTtlSeconds: z.number().int().min(1).max(10 * 365 * 86400),
    /** REFRESH_TOKEN_TTL_SECONDS: lifetime of refresh tokens issued from then on (the seeded one has none). */
    refreshTokenTtlSeconds: z.number().int().min(1).max(10 * 365 * 86400),
    /** OAuth 2.1 §4.3.1: rotate public clients' refresh tokens (/control/rotate). */
    rotateRefreshTokens: z.boolean(),
    /** How long a rotated refresh token is remembered, so that its reuse still revokes the family. */
    rotatedRefreshMemorySeconds: z.number().int().min(1).max(365 * 86400),
    /**
     * With rotation, how long a rotated refresh token still refreshes (a new pair, as Okta's and
     * Auth0's reuse leeway does for racing clients) before its reuse counts as theft (OAuth 2.1 §4.3.1).
     */
    rotationGraceSeconds: z.number().int().min(0).max(86400),
    /** OAuth 2.1 §4.3.1 reuse detection: a rotated token replayed revokes its family; off, it is only refused. */
    refreshReuseDetection: z.boolean(),
    /** RFC 7591 dynamic registration: off, /register is an unknown path and metadata omits registration_endpoint (RFC 8414 §2). */
    dynamicRegistration: z.boolean(),
    /** SEP-837: /register refuses a registration without application_type ("web" or "native"). */
    requireApplicationType: z.boolean(),
    /** SCOPES: what the server knows (scopes_supported) and grants, but for `requestOnlyScopes`, when a client asks for none. */
    scopes: unique(ScopeToken),
    /** Scopes granted only to a client that asks for them (mcp:admin for the admin-echo tool): what step-up authorization needs. */
    requestOnlyScopes: z.array(ScopeToken).max(100).refine((a) => new Set(a).size === a.length, 'must not list a value twice'),
    /** Scope hierarchies the MCP server honours when a tool requires a scope: `{"mcp:write":["mcp:read"]}` = holding mcp:write counts as mcp:read. */
    scopeImplications: z.record(ScopeToken, z.array(ScopeToken).max(100)).refine((r) => Object.keys(r).length <= 100, 'at most 100 implying scopes'),
    /** A client re-authorizing more often than this for the same step-up challenge gets an event saying so. */
    stepUpReauthorizationLimit: z.number().int().min(1).max(1000),
    /** RFC 9207: `iss` in every authorization response, and advertised. */
    issParameter: z.boolean(),
    /** REFRESH_TOKEN_ISSUANCE: when a code grant comes with a refresh token (SEP-2207); see refreshIssued in oauth/issue.ts. */
    refreshTokenIssuance: z.enum(REFRESH_TOKEN_ISSUANCE),
    /** MCP_ERA / the `era` switch: which protocol eras /mcp serves. */
    mcpEra: z.enum(MCP_ERAS),
    /** CONSENT / the `consent` switch: automatic approval, or the consent page. */
    consent: z.enum(CONSENT_MODES),
    /** ACCESS_TOKEN_FORMAT: what /token mints from now on (oauth/access-jwt.ts for `jwt`). */
    accessTokenFormat: z.enum(ACCESS_TOKEN_FORMATS),
    /** The algorithm of the realm's first key and of the keys rotations make from then on (keys.ts). */
    jwtSigningAlg: z.enum(SIGNING_ALGS),
    /** How long a rotated-in key sits in the JWKS before it signs: resource servers caching the set see it first. */
    keyPublishAheadSeconds: z.number().int().min(0).max(86400),
    /** How long a replaced key stays in the JWKS after it stopped signing: at least the access-token lifetime, or its last tokens fail early. */
    keyGraceSeconds: z.number().int().min(0).max(10 * 365 * 86400),
    /**
     * Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document; MCP 2026-07-28
     * client-registration "CIMD preferred"): an https client_id is fetched as the client's metadata, and
     * `client_id_metadata_document_supported` is advertised. Off: such a client_id is an unknown client.
     */
    cimd: z.boolean(),
    /** PRM_ADVERTISED: in the challenges (401 and 403), at the well-known URLs, both or neither (mcp/resource-metadata.ts). */
    prmAdvertised: z.enum(PRM_ADVERTISED),
    /** PRM_LOCATIONS: where the document lives and the challenge points; `path-inserted` also serves the root unless only the header advertises. */
    prmLocation: z.enum(PRM_LOCATIONS),
    /** PRM_RESOURCES: the `resource` the document names; the MCP server still takes only tokens for its real one. */
    prmResource: z.enum(PRM_RESOURCES),
    /** PRM_ISSUERS: the document's `authorization_servers`, and whose tokens the MCP server takes (server/trusted-issuers.ts). */
    prmIssuers: z.enum(PRM_ISSUERS),
    /** AS_DISCOVERY: which metadata documents the AS serves (oauth/metadata.ts); the others answer a JSON 404. */
    asDiscovery: z.enum(AS_DISCOVERY),
    /**
     * MCP 2025-03-26 "Server Metadata Discovery" / "Fallbacks": the AS's metadata and its default
     * endpoints (/authorize, /token, /register) also answer at the MCP server's origin, where a client
     * of that revision looks for them.
     */
    asAtResourceOrigin: z.boolean(),
  })
  .strict();

export type Policy = z.infer<typeof PolicySchema>;

/** A change to some policy values, as POST /control/policy takes it. */
export const PolicyPatchSchema = PolicySchema.partial().strict();
export type PolicyPatch = z.infer<typeof PolicyPatchSchema>;

/** The startup policy: the newest MCP authorization spec's defaults, with the configured lifetimes and scopes. */
export function defaultPolicy(config: Pick<Config, 'tokenTtlSeconds' | 'refreshTokenTtlSeconds' | 'scopes'> & Partial<Pick<Config, 'refreshTokenIssuance' | 'mcpEra' | 'accessTokenFormat' | 'consent'>>): Policy {
  return PolicySchema.parse({
    grantTypes: [...GRANT_TYPES],
    tokenEndpointAuthMethods: [...AUTH_METHODS],
    tokenEndpointAuthSigningAlgs: [...ASSERTION_ALGS],
    introspectionAuthMethods: [...SECRET_METHODS],
    revocationAuthMethods: [...AUTH_METHODS],
    pkceMethods: ['S256'],
    pkceMethodsAdvertised: 'S256',
    codeTtlSeconds: 60,
    accessTokenTtlSeconds: config.tokenTtlSeconds,
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
    rotateRefreshTokens: false,
    rotatedRefreshMemorySeconds: 24 * 3600,
    rotationGraceSeconds: 0,
    refreshReuseDetection: true,
    dynamicRegistration: true,
    requireApplicationType: false,
    scopes: config.scopes,
    requestOnlyScopes: ['mcp:admin'],
    scopeImplications: {},
    stepUpReauthorizationLimit: 3,
    issParameter: true,
    refreshTokenIssuance: config.refreshTokenIssuance ?? 'always',
    mcpEra: config.mcpEra ?? 'dual',
    accessTokenFormat: config.accessTokenFormat ?? 'opaque',
    consent: config.consent ?? 'auto',
    jwtSigningAlg: 'RS256',
    // Past the 300 s a resource server of ours caches the JWKS (mcp/jwt-verifier.ts).
    keyPublishAheadSeconds: 300,
    keyGraceSeconds: config.tokenTtlSeconds,
    cimd: true,
    prmAdvertised: 'both',
    prmLocation: 'path-inserted',
    prmResource: 'exact',
    prmIssuers: 'self',
    asDiscovery: 'both',
    asAtResourceOrigin: false,
  });
}

/** The values of `to` that differ from `from`: what the control plane changed (a state file keeps only that). */
export function policyChanges(from: Readonly<Policy>, to: Readonly<Policy>): PolicyPatch {
  const changed: Record<string, unknown> = {};
  for (const k of Object.keys(to) as Array<keyof Policy>) {
    if (JSON.stringify(to[k]) !== JSON.stringify(from[k])) changed[k] = structuredClone(to[k]);
  }
  return changed as PolicyPatch;
}

/** What a client that asks for no scope gets: every scope the server knows but the request-only ones. */
export function grantedByDefault(policy: Pick<Policy, 'scopes' | 'requestOnlyScopes'>): string[] {
  return policy.scopes.filter((s) => !policy.requestOnlyScopes.includes(s));
}

/**
 * The scopes the authorization server knows: in `offline_access` mode that scope too, so that a
 * client following SEP-2207 finds it in `scopes_supported` and may ask for it. It is never granted
 * unasked: a client asking for no scope gets `scopes`, and so no refresh token.
 */
export function authorizationScopes(policy: Readonly<Policy>): readonly string[] {
  return policy.refreshTokenIssuance === 'offline_access' && !policy.scopes.includes(OFFLINE_ACCESS) ? [...policy.scopes, OFFLINE_ACCESS] : policy.scopes;
}

/**
 * The scopes the protected resource names (PRM `scopes_supported`, a challenge's `scope=`): SEP-2207
 * says an MCP server SHOULD NOT list `offline_access` in either, since a refresh token is a matter
 * between client and authorization server, never a resource's requirement (even when SCOPES lists it).
 */
export function resourceScopes(policy: Readonly<Policy>): readonly string[] {
  return policy.scopes.includes(OFFLINE_ACCESS) ? policy.scopes.filter((s) => s !== OFFLINE_ACCESS) : policy.scopes;
}

/** RFC 8414 grant_types_supported: what /token serves, so `never` drops the refresh grant. */
export function servedGrantTypes(policy: Readonly<Policy>): readonly GrantType[] {
  return policy.refreshTokenIssuance === 'never' ? policy.grantTypes.filter((g) => g !== 'refresh_token') : policy.grantTypes;
}
