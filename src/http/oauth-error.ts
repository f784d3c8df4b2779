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

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/**
 * The body strings of answers made by `readableJsonResponse`, for a caller in this process that
 * reads the answer object itself (the MCP server's introspection, mcp/introspection.ts). Reading a
 * Response's text makes @hono/node-server build a whole undici Response around a web stream first:
 * about 4% of a tool call. Keyed by the very object: an answer a later step replaced (a fault, hono
 * rebuilding it) is not found here, and is read as any other.
 */
const bodyTexts = new WeakMap<Response, string>();

/** jsonResponse, whose body a caller in process can have without reading it (`bodyTextOf`). */
export function readableJsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const text = JSON.stringify(body);
  const res = new Response(text, { status, headers: { 'Content-Type': 'application/json', ...headers } });
  bodyTexts.set(res, text);
  return res;
}

/** The body of an answer `readableJsonResponse` made, or undefined for any other. */
export function bodyTextOf(res: Response): string | undefined {
  return bodyTexts.get(res);
}

/** RFC 6749 §5.2 error body; errors never get cached either. */
export function oauthErrorResponse(err: OAuthError): Response {
  return jsonResponse({ error: err.code, error_description: err.description }, err.status, { ...NO_STORE, ...err.headers });
}
