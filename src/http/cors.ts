import type { Env, MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/**
 * CORS for browsers only. A browser always sends Origin on a cross-origin request (and on every
 * preflight); without one the headers serve nobody, and setting them before the handler makes hono
 * rebuild every response, the largest single cost on /token and /mcp in the profile. For answers
 * that caches may keep (the metadata documents) use plain `cors`, whose headers do not vary.
 */
export function corsForBrowsers<E extends Env>(options: Parameters<typeof cors>[0]): MiddlewareHandler<E> {
  const withCors = cors(options) as unknown as MiddlewareHandler<E>;
  return (c, next) => (c.req.header('origin') === undefined ? next() : withCors(c, next));
}
