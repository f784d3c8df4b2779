import { getPath } from 'hono/utils/url';
import { jsonResponse } from '../http/oauth-error.js';
import type { RealmRouter } from '../pipeline/env.js';
import { AS_PATHS } from '../urls.js';

type Fetch = (req: Request, env?: object) => Response | Promise<Response>;

// `/consent` too: the consent page (CONSENT=page) posts its form relative to /authorize, so at this origin.
const ENDPOINTS = new Set<string>([...Object.values(AS_PATHS), '/consent']);

/** The last segment of every endpoint, to pass /mcp requests on without routing them twice. */
const ENDING = new RegExp(`(${[...ENDPOINTS].join('|')})$`);

/** What the AS answers at the resource's origin: its metadata (either kind, as asDiscovery says) and its endpoints. */
function authServerPath(path: string): boolean {
  return ENDPOINTS.has(path) || path.startsWith('/.well-known/oauth-authorization-server') || path.startsWith('/.well-known/openid-configuration');
}

/**
 * The MCP server's listener when both servers run in this process. Under policy asAtResourceOrigin
 * (MCP 2025-03-26 "Server Metadata Discovery" and "Fallbacks for Servers without Metadata
 * Discovery": the authorization base URL is the MCP server's URL without its path), a request for
 * the AS's metadata or endpoints at this origin is the AS app's, told by `atResourceOrigin` to name
 * itself here: issuer, endpoints and `iss` at the MCP base URL, so the document is self-consistent
 * (RFC 8414 §3.3). Every other request, and every request while the policy is off, is the MCP server's.
 */
export function resourceOriginFront(router: RealmRouter, authFetch: Fetch, mcpFetch: Fetch): Fetch {
  return (req, env) => {
    const path = getPath(req);
    if (!ENDING.test(path) && !path.includes('/.well-known/')) return mcpFetch(req, env);
    const routed = router.route(path);
    if (typeof routed.realm !== 'string' && routed.realm.policy.asAtResourceOrigin && authServerPath(routed.path)) {
      return authFetch(req, { ...env, atResourceOrigin: true });
    }
    return mcpFetch(req, env);
  };
}

/**
 * The MCP server alone (`--only mcp`) has no AS to hand these requests to: under asAtResourceOrigin
 * they get a JSON 404 saying so, rather than the plain "no endpoint".
 */
export function aloneAtResourceOrigin(router: RealmRouter, mcpFetch: Fetch): Fetch {
  return (req, env) => {
    const routed = router.route(getPath(req));
    if (typeof routed.realm !== 'string' && routed.realm.policy.asAtResourceOrigin && authServerPath(routed.path)) {
      const description = `no endpoint at ${req.method} ${getPath(req)}: policy asAtResourceOrigin needs the authorization server in this process (start both servers, without --only); this MCP server runs alone`;
      return jsonResponse({ error: 'not_found', error_description: description }, 404);
    }
    return mcpFetch(req, env);
  };
}
