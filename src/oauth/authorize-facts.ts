import type { Note } from '../pipeline/env.js';
import { factDigest } from '../secrets.js';
import { isLoopbackHttp } from './redirect-uri.js';

/** Enough of a scope parameter to grade it: a long one would otherwise sit in every kept event. */
const MAX_SCOPES = 16;
const MAX_SCOPE_CHARS = 64;

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
  if (note.resourceSent) note.resourceMatches = resources.every((r) => r === resource);
}
