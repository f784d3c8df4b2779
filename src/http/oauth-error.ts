/**
 * The one error type of the project. It carries the OAuth error code, a human description and the
 * HTTP status; each endpoint turns it into its standard shape (RFC 6749 §5.2 JSON, an authorization
 * redirect, or an RFC 6750 challenge) in one place.
 */
export class OAuthError extends Error {
  override name = 'OAuthError';
  constructor(
    readonly code: string,
    readonly description: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${code}: ${description}`);
  }
}

export const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

/**
 * Every JSON answer carries the string it was made of (`bodyTextOf`), for a caller in this process
 * that reads the answer object itself: the MCP server's introspection (mcp/introspection.ts).
 * Reading a Response's text makes @hono/node-server build a whole undici Response around a web
 * stream first: about 4% of a tool call. Carried by the very object: an answer a later step replaced
 * (a fault, hono rebuilding it) has none, and is read as any other. A property, not a WeakMap, whose
 * ephemeron table churned 1–2 KB a call.
 */
const BODY_TEXT = Symbol('body text');
type WithText = Response & { [BODY_TEXT]?: string };

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const text = JSON.stringify(body);
  const res: WithText = new Response(text, { status, headers: { 'Content-Type': 'application/json', ...headers } });
  res[BODY_TEXT] = text;
  return res;
}

/** The body of an answer `jsonResponse` made, or undefined for any other. */
export function bodyTextOf(res: Response): string | undefined {
  return (res as WithText)[BODY_TEXT];
}

/** RFC 6749 §5.2 error body; errors never get cached either. */
export function oauthErrorResponse(err: OAuthError): Response {
  return jsonResponse({ error: err.code, error_description: err.description }, err.status, { ...NO_STORE, ...err.headers });
}
