const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
/** Schemes that can never be a native app's private-use redirect (RFC 8252 §7.1). */
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'about:', 'blob:', 'ftp:', 'ws:', 'wss:']);

function parse(uri: string): URL | undefined {
  try {
    return new URL(uri);
  } catch {
    return undefined;
  }
}

export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * Exact string match (OAuth 2.1 §2.3.1), except that a loopback redirect matches on any port
 * (RFC 8252 §7.3): native apps bind an ephemeral port at authorization time.
 */
export function redirectUriMatches(registered: readonly string[], given: string): boolean {
  if (registered.includes(given)) return true;
  const g = parse(given);
  if (!g || !isLoopbackHttp(g)) return false;
  return registered.some((r) => {
    const u = parse(r);
    if (!u || !isLoopbackHttp(u)) return false;
    return u.hostname === g.hostname && u.pathname === g.pathname && u.search === g.search && u.username === g.username && u.password === g.password && !g.hash;
  });
}

/** Why a redirect URI cannot be registered, or undefined when it can (RFC 7591 §2, RFC 8252 §7, OAuth 2.1 §2.3). */
export function redirectUriProblem(uri: string): string | undefined {
  const u = parse(uri);
  if (!u) return `${JSON.stringify(uri)} is not an absolute URI`;
  if (uri.includes('#')) return `${JSON.stringify(uri)} must not contain a fragment`;
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:') {
    return isLoopbackHttp(u) ? undefined : `${JSON.stringify(uri)} uses http on a non-loopback host; use https, or http on 127.0.0.1, [::1] or localhost`;
  }
  if (FORBIDDEN_SCHEMES.has(u.protocol)) return `${JSON.stringify(uri)} uses the forbidden scheme ${u.protocol}`;
  return undefined;
}
