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
  // The URL parser drops tabs and line feeds and encodes spaces: compared parsed, "…/c\nb" would match "…/cb".
  if (/[^\x21-\x7e]/.test(given)) return false;
  const g = parse(given);
  if (!g || !isLoopbackHttp(g)) return false;
  return registered.some((r) => {
    const u = parse(r);
    if (!u || !isLoopbackHttp(u)) return false;
    return u.hostname === g.hostname && u.pathname === g.pathname && u.search === g.search && u.username === g.username && u.password === g.password && !g.hash;
  });
}

/** JSON quoting that also escapes what JSON leaves raw: DEL, C1 controls, U+2028/2029. */
const quote = (s: string): string => JSON.stringify(s).replace(/[\x7f-\x9f\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Why a redirect URI cannot be registered, or undefined when it can (RFC 7591 §2, RFC 8252 §7, OAuth 2.1 §2.3). */
export function redirectUriProblem(uri: string): string | undefined {
  const q = quote(uri);
  // Checked on the string, before the URL parser (which drops tabs and line feeds and encodes the rest) hides them.
  const bad = /[^\x21-\x7e]/.exec(uri)?.[0];
  if (bad !== undefined) {
    const what = bad === ' ' ? 'a space' : /[\x00-\x1f\x7f-\x9f\u2028\u2029]/.test(bad) ? 'a control character' : 'a non-ASCII character';
    return `${q} contains ${what}; a redirect URI is an absolute URI, which has none (RFC 7591 §2, RFC 3986 §2)`;
  }
  const u = parse(uri);
  if (!u) return `${q} is not an absolute URI`;
  if (uri.includes('#')) return `${q} must not contain a fragment`;
  // userinfo is checked on the string: the parser forgets an empty one ("https://@host/").
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(uri)) {
    return `${q} has userinfo (credentials before the host); a redirect URI must not (OAuth 2.1 §7.5.2, RFC 3986 §3.2.1: it can disguise the real host)`;
  }
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:') {
    return isLoopbackHttp(u) ? undefined : `${q} uses http on a non-loopback host; use https, or http on 127.0.0.1, [::1] or localhost`;
  }
  if (FORBIDDEN_SCHEMES.has(u.protocol)) return `${q} uses the forbidden scheme ${u.protocol} (RFC 8252 §7.1, OAuth 2.1 §2.3)`;
  // A private-use scheme is a reverse domain name the app controls (RFC 8252 §7.1 "containing a period"):
  // that rules out browser-internal schemes such as view-source:, chrome: and jar:.
  if (!u.protocol.slice(0, -1).includes('.')) {
    return `${q} uses the scheme ${u.protocol}, which is neither https, loopback http, nor a private-use scheme in reverse-domain form such as com.example.app: (RFC 8252 §7.1, OAuth 2.1 §2.3)`;
  }
  return undefined;
}
