import type { Hono } from 'hono';
import { jsonResponse } from '../http/oauth-error.js';
import { methodNotAllowed, omitFields, strike, type AppEnv, type Ctx } from '../http/kit.js';
import type { Realm } from '../realm.js';
import { AUTH_METHODS } from './register.js';

/** RFC 8414 authorization server metadata. Every URL derives from the one canonical issuer. */
export function authServerMetadata(realm: Realm): Record<string, unknown> {
  const base = realm.issuer;
  return {
    issuer: base,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    registration_endpoint: `${base}/register`,
    introspection_endpoint: `${base}/introspect`,
    revocation_endpoint: `${base}/revoke`,
    scopes_supported: realm.config.scopes,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: AUTH_METHODS,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: AUTH_METHODS,
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
  };
}

/**
 * Served at /.well-known/oauth-authorization-server and, when the issuer has a path, also at the
 * path-inserted location RFC 8414 §3.1 prescribes (/.well-known/oauth-authorization-server/<path>).
 */
export function mountMetadata(app: Hono<AppEnv>, realm: Realm): void {
  const path = new URL(realm.issuer).pathname.replace(/\/$/, '');
  const locations = ['/.well-known/oauth-authorization-server'];
  if (path) locations.push(`/.well-known/oauth-authorization-server${path}`);
  const serve = async (c: Ctx) => {
    const s = await strike(c, realm, 'as-metadata');
    if (s.response) return s.response;
    if (s.error) throw s.error;
    return jsonResponse(omitFields(authServerMetadata(realm), s.omit), 200, { 'Cache-Control': 'no-cache' });
  };
  for (const at of locations) {
    app.get(at, serve);
    app.all(at, methodNotAllowed('GET'));
  }
}
