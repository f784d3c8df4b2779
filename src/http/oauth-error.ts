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

/** RFC 6749 §5.2 error body; errors never get cached either. */
export function oauthErrorResponse(err: OAuthError): Response {
  return jsonResponse({ error: err.code, error_description: err.description }, err.status, { ...NO_STORE, ...err.headers });
}
