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
 * Served at /.well-known/oauth-authorization-server and, when the issuer has a path, also at the
 * path-inserted location RFC 8414 §3.1 prescribes (/.well-known/oauth-authorization-server/<path>);
 * and at <issuer>/.well-known/openid-configuration, the OIDC form the SDK client tries next for an
 * issuer with a path (a realm's, /r/<id>).
 */
export function mountMetadata(app: Hono<AppEnv>, urls: RealmUrls): void {
  const serve = async (c: Ctx) => {
    c.get('note').endpoint = 'as-metadata';
    const { omit, identity } = await strikeAltering(c, 'as-metadata');
    const document = authServerMetadata(c.get('urls'), c.get('realm').policy);
    if (identity.issuer) document.issuer = issuerVariant(c.get('urls').issuer, identity.issuer);
    return jsonResponse(omitFields(document, omit), 200, { 'Cache-Control': 'no-cache' });
  };
  for (const at of [...urls.asMetadataPaths, urls.oidcMetadataPath]) {
    app.get(at, serve);
    app.all(at, methodNotAllowed('GET'));
  }
}
