import { createHmac } from 'node:crypto';
import { safeEqual } from '../secrets.js';

/**
 * The dashboard's login: a browser cannot put `Authorization: Bearer` on a navigation or an
 * EventSource, so the token is posted once in a form and the answer sets this cookie. Its value is
 * derived from CONTROL_TOKEN (an HMAC), never the token itself: a cookie that leaks (a proxy log, a
 * copied request) does not reveal the token, and changing the token ends every session. Both servers
 * of a process accept it (cookies do not separate ports), with the same origin rule as before.
 */
export const SESSION_COOKIE = 'control_session';

const sessionValue = (token: string): string => createHmac('sha256', token).update('mcp-oauth-test-server control session v1').digest('base64url');

/** Whether the request's Cookie header carries the session for `token`. */
export function hasSession(cookieHeader: string | undefined, token: string): boolean {
  if (!cookieHeader) return false;
  const expected = sessionValue(token);
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    if (safeEqual(part.slice(eq + 1).trim(), expected)) return true;
  }
  return false;
}

/**
 * HttpOnly: no script reads it (an injected one included). SameSite=Strict: no other site's page
 * sends it; other ports of localhost are the same site, which is why the control plane's Origin rule
 * and its JSON-only bodies still apply to every write. No Max-Age: it ends with the browser session.
 */
export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${sessionValue(token)}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function endedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}
