import type { Note } from '../pipeline/env.js';
import { factDigest } from '../secrets.js';
import { isLoopbackHttp } from './redirect-uri.js';

/** Enough of a scope parameter to grade it: a long one would otherwise sit in every kept event. */
const MAX_SCOPES = 16;
const MAX_SCOPE_CHARS = 64;

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether a `resource` a client sent names this server's resource. Under derived base URLs the
 * server answers to every loopback name, so a client that reached the MCP server as localhost and the
 * AS as 127.0.0.1 names the same resource under another name: that is no mismatch.
 */
export function namesResource(sent: string, resource: string): boolean {
  if (sent === resource) return true;
  try {
    const a = new URL(sent);
    const b = new URL(resource);
    return LOOPBACK_NAMES.has(a.hostname) && LOOPBACK_NAMES.has(b.hostname) && a.protocol === b.protocol && a.port === b.port && a.pathname === b.pathname && a.search === b.search;
  } catch {
    return false;
  }
}

/** What the redirect URI is: the MCP specification's authorization "Communication Security" wants loopback or https. */
export function redirectKind(uri: string): 'loopback' | 'https' | 'other' {
  try {
    const u = new URL(uri);
    return isLoopbackHttp(u) ? 'loopback' : u.protocol === 'https:' ? 'https' : 'other';
  } catch {
    return 'other';
  }
}

/**
 * The facts of an /authorize request as the client sent it, whatever validation then says: a request
 * refused for lacking PKCE is exactly what a report card has to see (pkce-code-challenge-sent).
 * `redirectUri` is the one validation settled on (the registered one when the request named none).
 */
export function noteAuthorizeFacts(note: Note, query: URLSearchParams, resource: string, redirectUri: string | undefined): void {
  const challenge = query.get('code_challenge');
  note.pkceMethod = challenge === null ? 'none' : (query.get('code_challenge_method') ?? '(omitted: plain)').slice(0, 32);
  if (challenge !== null) note.challengeDigest = factDigest(challenge);
  const state = query.get('state');
  note.stateSent = state !== null && state !== '';
  if (note.stateSent) note.stateDigest = factDigest(state!);
  if (redirectUri !== undefined) note.redirectKind = redirectKind(redirectUri);
  const scope = query.get('scope');
  if (scope !== null) note.requestedScopes = scope.split(' ').filter(Boolean).slice(0, MAX_SCOPES).map((s) => s.slice(0, MAX_SCOPE_CHARS));
  const resources = query.getAll('resource');
  note.resourceSent = resources.length > 0;
  if (note.resourceSent) note.resourceMatches = resources.every((r) => namesResource(r, resource));
}
