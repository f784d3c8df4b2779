import type { Hono } from 'hono';
import { jsonResponse } from '../http/oauth-error.js';
import { methodNotAllowed, omitFields, strike, type AppEnv, type Ctx } from '../http/kit.js';
import type { Realm } from '../realm.js';

/** RFC 9728 §3.1: the metadata URL for a resource inserts the well-known segment before its path. */
export function resourceMetadataUrl(resource: string): string {
  const u = new URL(resource);
  return `${u.origin}/.well-known/oauth-protected-resource${u.pathname.replace(/\/$/, '')}`;
}

export function protectedResourceMetadata(realm: Realm): Record<string, unknown> {
  return {
    // Exactly the URL clients connect to: the SDK client rejects a trailing-slash variant.
    resource: realm.resource,
    authorization_servers: [realm.issuer],
    scopes_supported: realm.config.scopes,
    bearer_methods_supported: ['header'],
    resource_name: 'mcp-oauth-test-server (protected MCP server)',
  };
}

/** Served at the path-inserted location and at the root (MCP 2025-11-25 allows clients to try both). */
export function mountResourceMetadata(app: Hono<AppEnv>, realm: Realm): void {
  const serve = async (c: Ctx) => {
    const s = await strike(c, realm, 'resource-metadata');
    if (s.response) return s.response;
    if (s.error) throw s.error;
    return jsonResponse(omitFields(protectedResourceMetadata(realm), s.omit), 200, { 'Cache-Control': 'no-cache' });
  };
  const pathInserted = new URL(resourceMetadataUrl(realm.resource)).pathname;
  for (const at of [pathInserted, '/.well-known/oauth-protected-resource']) {
    app.get(at, serve);
    app.all(at, methodNotAllowed('GET'));
  }
}
