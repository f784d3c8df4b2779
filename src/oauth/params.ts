import { OAuthError } from '../http/oauth-error.js';

/** Parses a scope parameter against the known scopes; undefined when absent. */
export function parseScope(raw: string | undefined, known: readonly string[], whose = 'this server knows'): string[] | undefined {
  if (raw === undefined) return undefined;
  // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), tokens separated by spaces.
  const bad = /[^\x20\x21\x23-\x5b\x5d-\x7e]/.exec(raw)?.[0];
  if (bad !== undefined) {
    const code = bad.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new OAuthError('invalid_scope', `scope contains U+${code}, which no scope token may (RFC 6749 §3.3: printable ASCII other than space, double quote and backslash, separated by spaces)`);
  }
  const requested = [...new Set(raw.split(' ').filter(Boolean))];
  const unknown = requested.filter((s) => !known.includes(s));
  if (unknown.length > 0) {
    throw new OAuthError('invalid_scope', `scope ${unknown.map((s) => JSON.stringify(s)).join(', ')} cannot be granted; ${whose}: ${known.join(' ')}`);
  }
  if (requested.length === 0) throw new OAuthError('invalid_scope', 'scope is empty');
  // The known list's own strings: every code and token of a grant keeps its scope, and a copy per
  // request is ~30 bytes a scope more for each.
  return requested.map((s) => known.find((k) => k === s)!);
}

/** RFC 8707 §2: each resource is an absolute URI without a fragment; anything else is invalid_target. */
export function parseResources(values: string[]): string[] {
  for (const v of values) {
    // The URL parser drops line feeds and tabs and encodes spaces and controls; a URI has none (RFC 3986 §2).
    if (/[^\x21-\x7e]/.test(v)) throw new OAuthError('invalid_target', `resource ${JSON.stringify(v)} is not an absolute URI: it has spaces, controls or non-ASCII (RFC 8707 §2, RFC 3986 §2)`);
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      throw new OAuthError('invalid_target', `resource ${JSON.stringify(v)} is not an absolute URI (RFC 8707 §2)`);
    }
    if (url.hash || v.includes('#')) throw new OAuthError('invalid_target', `resource ${JSON.stringify(v)} must not contain a fragment (RFC 8707 §2)`);
  }
  return [...new Set(values)];
}

/** PKCE code_verifier grammar, RFC 7636 §4.1. */
export const VERIFIER_RE = /^[A-Za-z0-9\-._~]{43,128}$/;
/** An S256 code_challenge is a base64url SHA-256: 43 characters, but accept any unreserved 43–128. */
export const CHALLENGE_RE = /^[A-Za-z0-9\-._~]{43,128}$/;
