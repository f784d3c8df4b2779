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
