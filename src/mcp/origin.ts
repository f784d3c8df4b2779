import { jsonResponse } from '../http/oauth-error.js';
import type { Step } from './chain.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * DNS-rebinding guard (MCP Streamable HTTP transport): a browser request from an unexpected Origin
 * is refused. Requests without Origin come from server-side clients and pass.
 */
export function originAllowed(origin: string | undefined, ownOrigin: string, extra: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (origin === ownOrigin || extra.includes(origin) || extra.includes('*')) return true;
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  return (u.protocol === 'http:' || u.protocol === 'https:') && LOOPBACK.has(u.hostname) && u.origin === origin;
}

/** The chain's first step: the origin guard. */
export function guardOrigin(ownOrigin: string, extra: readonly string[]): Step {
  return (c) => {
    const origin = c.req.header('origin');
    if (originAllowed(origin, ownOrigin, extra)) return undefined;
    c.get('note').outcome = 'forbidden_origin';
    return jsonResponse({ error: 'forbidden_origin', error_description: `Origin ${origin} is not allowed (DNS-rebinding protection); add it to ALLOWED_ORIGINS` }, 403);
  };
}
