import { checkResourceAllowed } from '@modelcontextprotocol/server';
import type { Challenge } from './challenge.js';
import type { TokenVerifier, VerifiedToken } from './verifier.js';

export type BearerCheck =
  | { ok: true; token: string; facts: VerifiedToken }
  | { ok: false; challenge: Challenge; verifierUnavailable?: string };

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER_RE = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Decides what a request's credentials are worth, without building any response: the header only
 * (RFC 6750 §2.1), checked by the verifier, and for this resource only (RFC 8707). `scopeOf` gives
 * the challenge's scope, asked only when there is a challenge (not on every accepted request).
 */
export async function checkBearer(
  authorization: string | undefined,
  query: URLSearchParams,
  resource: string,
  scopeOf: () => string,
  verifier: TokenVerifier,
  /** The issuer as this request names it (`c.get('urls').issuer`; also at the resource's origin), for a verifier that checks `iss`. */
  issuer?: string | readonly string[],
): Promise<BearerCheck> {
  if (query.has('access_token')) {
    return refuse(scopeOf, { status: 400, error: 'invalid_request', description: 'send the access token in the Authorization header, not the query string (RFC 6750 section 2.1; MCP authorization)' });
  }
  // No credentials, or another scheme: a plain challenge without an error code (RFC 6750 §3.1).
  if (authorization === undefined || !/^bearer(\s|$)/i.test(authorization)) return refuse(scopeOf, { status: 401 });
  const m = BEARER_RE.exec(authorization);
  if (!m) return refuse(scopeOf, { status: 400, error: 'invalid_request', description: 'malformed Authorization header: expected "Bearer <token>"' });
  const token = m[1]!;
  const v = await verifier.verify(token, { issuer });
  if (v.kind === 'unavailable') {
    return refuse(scopeOf, { status: 401, error: 'invalid_token', description: v.description }, v.cause);
  }
  if (v.kind === 'rejected') return refuse(scopeOf, { status: 401, error: 'invalid_token', description: v.description });
  const aud = v.token.aud;
  if (!aud.some((a) => a === resource || safeAllowed(resource, a))) {
    return refuse(scopeOf, { status: 401, error: 'invalid_token', description: `the access token is for ${aud.join(', ') || 'no audience'}, not for this resource (${resource}); request it with resource=${resource} (RFC 8707)` });
  }
  return { ok: true, token, facts: v.token };
}

function refuse(scopeOf: () => string, challenge: Omit<Challenge, 'scope'>, verifierUnavailable?: string): BearerCheck {
  return { ok: false, challenge: { ...challenge, scope: scopeOf() }, ...(verifierUnavailable !== undefined ? { verifierUnavailable } : {}) };
}

function safeAllowed(resource: string, aud: string): boolean {
  try {
    return checkResourceAllowed({ requestedResource: resource, configuredResource: aud });
  } catch {
    return false;
  }
}
