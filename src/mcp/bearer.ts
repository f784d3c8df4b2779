import { checkResourceAllowed } from '@modelcontextprotocol/sdk/shared/auth-utils.js';
import type { Challenge } from './challenge.js';
import { IntrospectionFailed, type Introspection, type IntrospectionClient } from './introspection.js';

export type BearerCheck =
  | { ok: true; token: string; facts: Introspection }
  | { ok: false; challenge: Challenge; introspectionFailed?: string };

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER_RE = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Decides what a request's credentials are worth, without building any response: the header only
 * (RFC 6750 §2.1), introspected at the authorization server, and for this resource only (RFC 8707).
 */
export async function checkBearer(
  authorization: string | undefined,
  query: URLSearchParams,
  resource: string,
  scope: string,
  introspection: IntrospectionClient,
): Promise<BearerCheck> {
  if (query.has('access_token')) {
    return { ok: false, challenge: { status: 400, error: 'invalid_request', description: 'send the access token in the Authorization header, not the query string (RFC 6750 §2.1; MCP authorization)', scope } };
  }
  // No credentials, or another scheme: a plain challenge without an error code (RFC 6750 §3.1).
  if (authorization === undefined || !/^bearer(\s|$)/i.test(authorization)) return { ok: false, challenge: { status: 401, scope } };
  const m = BEARER_RE.exec(authorization);
  if (!m) return { ok: false, challenge: { status: 400, error: 'invalid_request', description: 'malformed Authorization header: expected "Bearer <token>"', scope } };
  const token = m[1]!;
  let facts: Introspection;
  try {
    facts = await introspection.introspect(token);
  } catch (err) {
    const cause = err instanceof IntrospectionFailed ? err.reason : String(err);
    return { ok: false, challenge: { status: 401, error: 'invalid_token', description: `introspection failed: ${cause}`, scope }, introspectionFailed: cause };
  }
  if (!facts.active) return { ok: false, challenge: { status: 401, error: 'invalid_token', description: 'the access token is not active: expired, revoked or unknown', scope } };
  if (facts.token_type === 'refresh_token') {
    return { ok: false, challenge: { status: 401, error: 'invalid_token', description: 'this is a refresh token; send the access token (RFC 6749 §1.5)', scope } };
  }
  const aud = facts.aud === undefined ? [] : Array.isArray(facts.aud) ? facts.aud : [facts.aud];
  if (!aud.some((a) => a === resource || safeAllowed(resource, a))) {
    return {
      ok: false,
      challenge: { status: 401, error: 'invalid_token', description: `the access token is for ${aud.join(', ') || 'no audience'}, not for this resource (${resource}); request it with resource=${resource} (RFC 8707)`, scope },
    };
  }
  return { ok: true, token, facts };
}

function safeAllowed(resource: string, aud: string): boolean {
  try {
    return checkResourceAllowed({ requestedResource: resource, configuredResource: aud });
  } catch {
    return false;
  }
}
