/** What the MCP server knows about a token it accepted: enough to authorize a call and answer whoami. */
export interface VerifiedToken {
  clientId?: string;
  sub?: string;
  /** Space-separated, as OAuth writes it. */
  scope: string;
  aud: string[];
  /** Seconds since the epoch. */
  exp?: number;
}

export type Verification =
  | { kind: 'verified'; token: VerifiedToken }
  /** The token is no good: `description` says why, for the challenge's error_description. */
  | { kind: 'rejected'; description: string }
  /** The verifier could not decide (the authorization server is unreachable, answered nonsense…). */
  | { kind: 'unavailable'; cause: string; description: string };

/**
 * How the MCP server checks a bearer token, whatever the token is (the SDK's OAuthTokenVerifier,
 * Hono's `bearerAuth({ verifyToken })`): introspection over HTTP today, local JWT validation with
 * a fetched JWKS next. Never by reading the authorization server's memory. Audience is checked by
 * the caller, the same way for every verifier.
 */
export interface TokenVerifier {
  /** For operators: where it verifies, e.g. `introspection at http://localhost:9100/introspect`. */
  readonly source: string;
  /**
   * `expect.issuer`: the issuer as this request's Host names it (a local JWT check accepts that `iss`
   * too); several when the authorization server also answers at the resource's origin (asAtResourceOrigin).
   */
  verify(token: string, expect?: { issuer?: string | readonly string[] }): Promise<Verification>;
  close(): void;
}
