/** How a helper sends a request: a path (with its query) and the usual RequestInit. */
export type Send = (path: string, init?: RequestInit) => Promise<Response>;

/**
 * Where a helper's requests go: a base URL (fetch over a real socket) or anything with `req`, such
 * as an in-process server whose `req` is Hono's `app.request`. The same helper serves both.
 */
export type Target = string | { req: Send };

export const sender = (target: Target): Send => (typeof target === 'string' ? (path, init) => fetch(target + path, init) : target.req);

/** A form POST; `body` may be a string to send duplicated or raw parameters verbatim. */
export function form(body: Record<string, string> | string, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: typeof body === 'string' ? body : new URLSearchParams(body).toString(),
  };
}

/** A JSON POST; `body` may be a string to send verbatim (malformed or deeply nested JSON). */
export function jsonPost(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

/** client_secret_basic: id and secret form-urlencoded first (RFC 6749 §2.3.1). */
export const basic = (id: string, secret: string): Record<string, string> => ({
  Authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`,
});

/** An Authorization header with the bearer token, or none without one. */
export const bearer = (token: string | undefined): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {});

/** Throws unless the response has `status`; the message names the request, the status and the body. */
export async function expectStatus(res: Response, status: number, what: string): Promise<void> {
  if (res.status !== status) throw new Error(`${what} answered ${res.status}: ${await res.text()}`);
}

/** A body just over the 64 KiB limit. */
export const OVERSIZED = `pad=${'x'.repeat(64 * 1024 + 10)}`;
