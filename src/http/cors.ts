import type { Context, Env, MiddlewareHandler, Next } from 'hono';
import { cors } from 'hono/cors';

export interface BrowserCorsOptions {
  /** `*`, or the origin to allow for the one a request sent (null: none). */
  origin: '*' | ((origin: string) => string | null);
  credentials?: boolean;
  allowHeaders?: string[];
  allowMethods?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
}

/**
 * CORS for browsers only. A browser always sends Origin on a cross-origin request (and on every
 * preflight); without one the headers serve nobody. With one, the headers hono's `cors` would set
 * (Allow-Origin, Allow-Credentials, Expose-Headers, and `Vary: Origin` unless every origin is
 * allowed) are set on the handler's own answer: hono's `cors` sets them before the handler and
 * then appends Vary to a finalized answer, which makes hono rebuild every response around a stream,
 * the largest single cost on /token and /mcp in the profile. Preflights go to `cors` itself. For
 * answers that caches may keep (the metadata documents) use `corsForAll`, whose headers do not vary.
 */
export function corsForBrowsers<E extends Env>(options: BrowserCorsOptions): MiddlewareHandler<E> {
  const preflight = cors(options) as unknown as MiddlewareHandler<E>;
  const expose = options.exposeHeaders?.length ? options.exposeHeaders.join(',') : undefined;
  const allow = options.origin === '*' ? () => '*' : options.origin;
  const answered = async (c: Context<E>, next: Next, origin: string): Promise<void> => {
    await next();
    const headers = c.res.headers;
    const allowed = allow(origin);
    if (allowed) headers.set('Access-Control-Allow-Origin', allowed);
    if (options.credentials) headers.set('Access-Control-Allow-Credentials', 'true');
    if (expose) headers.set('Access-Control-Expose-Headers', expose);
    if (options.origin !== '*') headers.append('Vary', 'Origin');
  };
  // Not an async function itself: a request without Origin (every non-browser call) passes through
  // without the promise and frame an async middleware allocates (1.7 KB a tool call, measured).
  return (c, next) => {
    const origin = c.req.header('origin');
    if (origin === undefined) return next();
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    return answered(c, next, origin);
  };
}

/**
 * CORS for documents any origin may read and caches may keep (the metadata documents): the same
 * headers on every answer, browser or not, so a cached copy serves both. Set on the handler's own
 * answer: hono's `cors` sets them before the handler, which makes hono rebuild the answer around a
 * stream (its `set res`): 17% of GET metadata's profile in that alone. Preflights go to `cors`.
 */
export function corsForAll<E extends Env>(options: { exposeHeaders: string[]; maxAge: number }): MiddlewareHandler<E> {
  const preflight = cors({ origin: '*', ...options }) as unknown as MiddlewareHandler<E>;
  const expose = options.exposeHeaders.join(',');
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    await next();
    c.res.headers.set('Access-Control-Allow-Origin', '*');
    if (expose) c.res.headers.set('Access-Control-Expose-Headers', expose);
  };
}

/**
 * Request headers a browser client of /mcp may send. The 2026-07-28 Streamable HTTP transport puts
 * `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` on every POST: none is CORS-safelisted, so a
 * preflight that did not allow them would stop such a client before its first request. Older eras
 * send `Mcp-Session-Id` and, resuming a stream, `Last-Event-ID`.
 */
export const MCP_ALLOW_HEADERS = ['Authorization', 'Content-Type', 'Accept', 'MCP-Protocol-Version', 'Mcp-Method', 'Mcp-Name', 'Mcp-Session-Id', 'Last-Event-ID'];

/** Response headers a browser client must be able to read: the challenge (RFC 6750 §3) and the transport's own. */
export const MCP_EXPOSE_HEADERS = ['WWW-Authenticate', 'Mcp-Session-Id', 'MCP-Protocol-Version'];

/**
 * The control plane's origin rule: no Origin (curl, ControlClient, tests), the server's own origin, or
 * one listed in ALLOWED_ORIGINS (`*` lists every origin). Unlike /mcp, loopback is not enough: any
 * page a browser opens on localhost could otherwise flip the switches.
 */
export function controlOriginAllowed(origin: string | undefined, ownOrigin: string, listed: readonly string[]): boolean {
  return origin === undefined || origin === ownOrigin || listed.includes(origin) || listed.includes('*');
}

/** Whether a request path is under `/control` (at the root or under a base path). */
export const isControlPath = (path: string, basePath = ''): boolean =>
  /^\/control(\/|$)/.test(path) || (basePath !== '' && path.startsWith(basePath) && /^\/control(\/|$)/.test(path.slice(basePath.length)));

/**
 * Whether `origin` is the origin of one of `issuers` (the AS of this process, as configured and as
 * the request's Host names it): the dashboard there writes the MCP server's switches.
 */
export function isSiblingOrigin(origin: string | undefined, issuers: readonly string[]): boolean {
  return origin !== undefined && issuers.some((i) => new URL(i).origin === origin);
}
