import { jsonResponse } from '../http/oauth-error.js';

/** RFC 7230 quoted-string: backslash-escape `"` and `\`. */
export function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (ch) => `\\${ch}`)}"`;
}

/** Non-ASCII our own descriptions use, spelt in ASCII (a header is no place for `§`). */
const ASCII: Record<string, string> = { '→': '->', '…': '...', '—': '-', '–': '-', '×': 'x', '’': "'", '“': "'", '”': "'" };

/**
 * RFC 6750 §3: error_description may only use %x20-21 / %x23-5B / %x5D-7E. Our own non-ASCII is spelt
 * in ASCII (`§` → `section `), quotes and backslashes become `'` and `/`, anything else `?`.
 */
export function safeDescription(text: string): string {
  return text.replace(/§ */g, 'section ').replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, (ch) => ASCII[ch] ?? (ch === '"' ? "'" : ch === '\\' ? '/' : '?'));
}

export interface Challenge {
  status: 400 | 401 | 403;
  /** Absent when the request carried no credentials (RFC 6750 §3.1). */
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | string;
  description?: string;
  scope?: string;
}

/** The `WWW-Authenticate: Bearer …` value for a challenge; without `resource_metadata` when there is none to name (policy prmAdvertised). */
export function bearerHeader(ch: Challenge, resourceMetadata: string | undefined): string {
  const params: Array<[string, string]> = [];
  if (ch.error) params.push(['error', ch.error]);
  if (ch.error && ch.description) params.push(['error_description', safeDescription(ch.description)]);
  if (ch.scope) params.push(['scope', ch.scope]);
  if (resourceMetadata !== undefined) params.push(['resource_metadata', resourceMetadata]);
  // RFC 6750 §3: a challenge with no parameter at all is the bare scheme.
  return params.length ? `Bearer ${params.map(([k, v]) => `${k}=${quote(v)}`).join(', ')}` : 'Bearer';
}

/** The full response for a challenge: status, header, and the same error as JSON for humans. */
export function challengeResponse(ch: Challenge, resourceMetadata: string | undefined): Response {
  // RFC 6750 §3.1: a request without credentials gets no error code, in the body either.
  const how = resourceMetadata !== undefined ? 'from the resource_metadata in WWW-Authenticate' : 'from this server\'s protected-resource metadata, or (MCP 2025-03-26) from the authorization server metadata at its origin';
  const body = ch.error ? { error: ch.error, error_description: ch.description ?? ch.error } : { error_description: `a Bearer access token is required; discover how to get one ${how}` };
  return jsonResponse(body, ch.status, { 'WWW-Authenticate': bearerHeader(ch, resourceMetadata), 'Cache-Control': 'no-store' });
}
