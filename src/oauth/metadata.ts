import type { Hono } from 'hono';
import { jsonResponse } from '../http/oauth-error.js';
import { omitFields } from '../http/omit.js';
import type { AppEnv, Ctx } from '../pipeline/env.js';
import { methodNotAllowed } from '../pipeline/method.js';
import { strikeAltering } from '../pipeline/strike.js';
import { authorizationScopes, servedGrantTypes, type Policy } from '../policy.js';
import type { RealmUrls } from '../urls.js';
import { issuerVariant } from './issuer-variant.js';

/** RFC 8414 authorization server metadata, built from the policy the handlers enforce. */
export function authServerMetadata(urls: RealmUrls, policy: Readonly<Policy>): Record<string, unknown> {
  return {
    issuer: urls.issuer,
    authorization_endpoint: urls.endpoint('authorize'),
    token_endpoint: urls.endpoint('token'),
    ...(policy.dynamicRegistration && { registration_endpoint: urls.endpoint('register') }),
    introspection_endpoint: urls.endpoint('introspect'),
    revocation_endpoint: urls.endpoint('revoke'),
    jwks_uri: urls.endpoint('jwks'),
    scopes_supported: authorizationScopes(policy),
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: servedGrantTypes(policy),
    token_endpoint_auth_methods_supported: policy.tokenEndpointAuthMethods,
    // RFC 8414 §2: required when private_key_jwt is listed; an assertion at /revoke is checked alike.
    ...(policy.tokenEndpointAuthMethods.includes('private_key_jwt') && { token_endpoint_auth_signing_alg_values_supported: policy.tokenEndpointAuthSigningAlgs }),
    introspection_endpoint_auth_methods_supported: policy.introspectionAuthMethods,
    revocation_endpoint_auth_methods_supported: policy.revocationAuthMethods,
    ...(policy.revocationAuthMethods.includes('private_key_jwt') && { revocation_endpoint_auth_signing_alg_values_supported: policy.tokenEndpointAuthSigningAlgs }),
    // Advertised apart from what is enforced (policy pkceMethodsAdvertised): S256 is always what /authorize checks.
    ...(policy.pkceMethodsAdvertised !== 'omitted' && { code_challenge_methods_supported: policy.pkceMethodsAdvertised.split(' ') }),
    authorization_response_iss_parameter_supported: policy.issParameter,
    client_id_metadata_document_supported: policy.cimd,
  };
}

/**
 * OpenID Connect Discovery 1.0 §3: the RFC 8414 document plus the members OIDC makes REQUIRED
 * (`jwks_uri` and `response_types_supported` are there already). No ID token is ever issued, yet a
 * provider document must name the subject type and RS256 (§3: "The value RS256 MUST be included").
 */
export function openIdConfiguration(urls: RealmUrls, policy: Readonly<Policy>): Record<string, unknown> {
  return { ...authServerMetadata(urls, policy), subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] };
}

type Kind = 'rfc8414' | 'oidc';

/** Whether policy asDiscovery serves this kind of document (`none`: MCP 2025-03-26 clients use the default endpoints). */
const serves = (kind: Kind, policy: Readonly<Policy>): boolean => policy.asDiscovery === 'both' || policy.asDiscovery === kind;

const KIND_NAMES: Record<Kind, string> = { rfc8414: 'RFC 8414 authorization server metadata', oidc: 'OpenID Connect Discovery' };

/**
 * RFC 8414 at /.well-known/oauth-authorization-server and, for an issuer with a path, also at the
 * path-inserted location RFC 8414 §3.1 prescribes; OpenID Connect Discovery at <issuer>/.well-known/
 * openid-configuration (§4) and, for a path issuer, path-inserted as well (both forms MCP 2025-11-25
 * lists). A created realm's (/r/<id>) and the second issuer's paths reach the same routes, their
 * prefix taken out. Which kinds answer is the realm's policy asDiscovery, asked per request.
 */
export function mountMetadata(app: Hono<AppEnv>, urls: RealmUrls): void {
  const serve = (kind: Kind) => async (c: Ctx) => {
    const note = c.get('note');
    note.endpoint = 'as-metadata';
    const policy = c.get('realm').policy;
    if (!serves(kind, policy)) {
      note.outcome = 'not_found';
      const rest = policy.asDiscovery === 'none' ? 'none is served: use the default endpoints /authorize, /token, /register at the authorization base URL (MCP 2025-03-26)' : `only ${KIND_NAMES[policy.asDiscovery === 'oidc' ? 'oidc' : 'rfc8414']} is served`;
      return jsonResponse({ error: 'not_found', error_description: `no ${KIND_NAMES[kind]} at ${c.req.path}: policy asDiscovery is "${policy.asDiscovery}", ${rest}` }, 404);
    }
    const { omit, identity } = await strikeAltering(c, 'as-metadata');
    const document = (kind === 'oidc' ? openIdConfiguration : authServerMetadata)(c.get('urls'), policy);
    if (identity.issuer) document.issuer = issuerVariant(c.get('urls').issuer, identity.issuer);
    return jsonResponse(omitFields(document, omit), 200, { 'Cache-Control': 'no-cache' });
  };
  const places: Array<[string, Kind]> = [...urls.asMetadataPaths.map((p): [string, Kind] => [p, 'rfc8414']), ...urls.oidcMetadataPaths.map((p): [string, Kind] => [p, 'oidc'])];
  for (const [at, kind] of places) {
    app.get(at, serve(kind));
    app.all(at, methodNotAllowed('GET'));
  }
}
