import type { Hono } from 'hono';
import { corsForBrowsers, createBaseApp, methodNotAllowed, strike, type AppEnv, type Ctx } from '../http/kit.js';
import { jsonResponse } from '../http/oauth-error.js';
import type { Realm } from '../realm.js';
import { checkBearer } from './bearer.js';
import { challengeResponse } from './challenge.js';
import { McpHandler } from './handler.js';
import type { IntrospectionClient } from './introspection.js';
import { originAllowed } from './origin.js';
import { mountResourceMetadata, resourceMetadataUrl } from './resource-metadata.js';
import type { TokenFacts } from './tools.js';

/**
 * The protected MCP server as a Hono app: RFC 9728 discovery, Bearer validation by introspection on
 * every request, and the SDK's stateless Streamable HTTP behind it.
 */
const NO_QUERY = new URLSearchParams();

export function buildMcpApp(realm: Realm, introspection: IntrospectionClient, extra?: (app: Hono<AppEnv>) => void): Hono<AppEnv> {
  const app = createBaseApp(realm, 'mcp');
  const ownOrigin = new URL(realm.config.mcpBaseUrl).origin;
  const allowed = realm.config.allowedOrigins;
  const metadataUrl = resourceMetadataUrl(realm.resource);
  const resourceUrl = new URL(realm.resource);
  const scope = realm.config.scopes.join(' ');
  const handler = new McpHandler();
  let introspectionDown = false;

  app.use(
    '*',
    corsForBrowsers({
      origin: (o) => (originAllowed(o, ownOrigin, allowed) ? o : null),
      allowHeaders: ['Authorization', 'Content-Type', 'Accept', 'Mcp-Protocol-Version', 'Mcp-Session-Id', 'Last-Event-ID'],
      exposeHeaders: ['WWW-Authenticate', 'Mcp-Session-Id', 'Mcp-Protocol-Version'],
      maxAge: 86400,
    }),
  );
  mountResourceMetadata(app, realm);

  const serveMcp = async (c: Ctx): Promise<Response> => {
    const note = c.get('note');
    realm.counters.mcpRequests++;
    const origin = c.req.header('origin');
    if (!originAllowed(origin, ownOrigin, allowed)) {
      note.outcome = 'forbidden_origin';
      return jsonResponse({ error: 'forbidden_origin', error_description: `Origin ${origin} is not allowed (DNS-rebinding protection); add it to ALLOWED_ORIGINS` }, 403);
    }
    // Read before the token check, so that a refused request's event still names its method and tool.
    const text = await c.req.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const first = (Array.isArray(parsed) ? parsed[0] : parsed) as { method?: unknown; params?: { name?: unknown } } | undefined;
    const rpcMethod = typeof first?.method === 'string' ? first.method : undefined;
    note.rpcMethod = rpcMethod;
    if (rpcMethod === 'tools/call' && typeof first?.params?.name === 'string') note.tool = first.params.name;

    // Most requests carry no query: skip parsing the URL for them (it shows in the profile).
    const q = c.req.url.indexOf('?');
    const query = q < 0 ? NO_QUERY : new URLSearchParams(c.req.url.slice(q + 1));
    const check = await checkBearer(c.req.header('authorization'), query, realm.resource, scope, introspection);
    const failedCause = check.ok ? undefined : check.introspectionFailed;
    if (failedCause !== undefined && !introspectionDown) {
      introspectionDown = true;
      realm.notice(`[mcp] introspection at ${introspection.url} failed: ${failedCause}. Check OAUTH_BASE_URL: is the authorization server running and reachable from here?`);
    } else if (check.ok && introspectionDown) {
      introspectionDown = false;
      realm.notice(`[mcp] introspection at ${introspection.url} works again`);
    }
    if (!check.ok) {
      note.outcome = check.challenge.error ?? 'unauthorized';
      note.detail = check.challenge.description;
      return challengeResponse(check.challenge, metadataUrl);
    }
    note.clientId = check.facts.client_id;

    if (rpcMethod === 'tools/call') realm.counters.toolCalls++;

    const s = await strike(c, realm, 'mcp', { rpcMethod });
    if (s.response) return s.response;
    if (s.error) {
      const status = (s.error.status === 400 || s.error.status === 401 || s.error.status === 403 ? s.error.status : 401) as 400 | 401 | 403;
      note.outcome = s.error.code;
      return challengeResponse({ status, error: s.error.code, description: s.error.description, scope }, metadataUrl);
    }

    const facts: TokenFacts = { client_id: check.facts.client_id, sub: check.facts.sub, scope: check.facts.scope ?? '', aud: check.facts.aud, exp: check.facts.exp };
    const authInfo = {
      token: check.token,
      clientId: check.facts.client_id ?? '',
      scopes: (check.facts.scope ?? '').split(' ').filter(Boolean),
      expiresAt: check.facts.exp,
      resource: resourceUrl,
      extra: { facts },
    };
    // Unparsable JSON goes to the transport as it came, so the SDK answers with its JSON-RPC parse error.
    const request = parsed === undefined ? new Request(c.req.raw.url, { method: 'POST', headers: c.req.raw.headers, body: text }) : c.req.raw;
    return handler.handle(request, parsed, authInfo);
  };

  const endpoint = resourceUrl.pathname;
  for (const at of new Set([endpoint, '/mcp'])) {
    app.post(at, serveMcp);
    // Stateless server: no standalone SSE stream (GET) and no session to delete (DELETE).
    app.all(at, methodNotAllowed('POST'));
  }
  // Like /mcp, the control plane answers under the base URL's path and at the root.
  const basePath = new URL(realm.config.mcpBaseUrl).pathname.replace(/\/$/, '');
  extra?.(app);
  if (basePath) extra?.(app.basePath(basePath));
  return app;
}
