import type { Hono } from 'hono';
import { jsonResponse } from '../http/oauth-error.js';
import { omitFields } from '../http/omit.js';
import type { AppEnv, Ctx } from '../pipeline/env.js';
import { methodNotAllowed } from '../pipeline/method.js';
import { strike } from '../pipeline/strike.js';
import { resourceScopes, type Policy } from '../policy.js';
import { resourceMetadataPath, type RealmUrls } from '../urls.js';

/** RFC 9728 §2 protected resource metadata. */
export function protectedResourceMetadata(urls: RealmUrls, policy: Readonly<Policy>): Record<string, unknown> {
  return {
    // Exactly the URL clients connect to: the SDK client rejects a trailing-slash variant.
    resource: urls.resource,
    authorization_servers: [urls.issuer],
    // Never offline_access (SEP-2207): a refresh token is no requirement of this resource.
    scopes_supported: resourceScopes(policy),
    bearer_methods_supported: ['header'],
    resource_name: 'mcp-oauth-test-server (protected MCP server)',
  };
}

/** Served at the path-inserted location and at the root (MCP 2025-11-25 allows clients to try both). */
export function mountResourceMetadata(app: Hono<AppEnv>, urls: RealmUrls): void {
  const serve = async (c: Ctx) => {
    c.get('note').endpoint = 'resource-metadata';
    const omit = await strike(c, 'resource-metadata');
    return jsonResponse(omitFields(protectedResourceMetadata(c.get('urls'), c.get('realm').policy), omit), 200, { 'Cache-Control': 'no-cache' });
  };
  for (const at of [resourceMetadataPath(urls.resource), '/.well-known/oauth-protected-resource']) {
    app.get(at, serve);
    app.all(at, methodNotAllowed('GET'));
  }
}
