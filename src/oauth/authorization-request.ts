import { OAuthError } from '../http/oauth-error.js';
import { parseParams } from '../http/form.js';
import type { Realm } from '../realm.js';
import { CHALLENGE_RE, parseResources } from './params.js';
import { grantedScope } from './client-scopes.js';
import { redirectUriMatches } from './redirect-uri.js';
import { flatOpt } from '../http/flat.js';
import type { Note } from '../pipeline/env.js';
import { findClient } from './cimd.js';

/**
 * A validated authorization request: everything needed to decide on it and, later, to issue its code.
 * Plain data, so that a consent step can park it and resume it (oidc-provider's interactions).
 */
export interface AuthorizationRequest {
  // Every string is a copy, never a slice of the request's URL: the record outlives the request.
  clientId: string;
  /** Where the answer goes: verified against the client's registration. */
  redirectUri: string;
  /** The redirect_uri as sent, or undefined when it was omitted (the token request must then omit it too). */
  givenRedirect: string | undefined;
  state: string | undefined;
  codeChallenge: string;
  scope: string[];
  resources: string[];
}

/** How validation ended: refused to the browser (phase 1), refused back to the client (phase 2), or valid. */
export type Validation =
  | { kind: 'refuse'; error: string; description: string; clientId?: string }
  | { kind: 'redirect-error'; redirectUri: string; state: string | undefined; error: OAuthError; clientId: string }
  | { kind: 'valid'; request: AuthorizationRequest };

/**
 * Validates GET /authorize in two phases. Until the client and its redirect URI are verified, an
 * error may not redirect (RFC 6749 §4.1.2.1); after that, errors go back to the client.
 */
export async function validateAuthorization(query: URLSearchParams, realm: Realm, note?: Note): Promise<Validation> {
  const refuse = (error: string, description: string, clientId?: string): Validation => ({ kind: 'refuse', error, description, clientId });
  for (const name of ['client_id', 'redirect_uri'] as const) {
    if (query.getAll(name).length > 1) return refuse('invalid_request', `${name} must not be repeated (RFC 6749 §3.1)`);
  }
  const clientId = query.get('client_id');
  if (!clientId) return refuse('invalid_request', 'client_id is missing');
  const found = await findClient(realm, clientId, note);
  // A document that fails a rule is refused to the browser: its redirect URIs are not to be trusted.
  if (found && 'refused' in found) return refuse('invalid_client', found.refused, clientId);
  if (!found) return refuse('invalid_client', `unknown client_id ${JSON.stringify(clientId)}; register it first (POST /register)`);
  const client = found.client;
  // Read before parseParams (so phase 1 can refuse to the browser): copies, as parseParams gives.
  const givenRedirect = flatOpt(query.get('redirect_uri') || undefined);
  let redirectUri: string;
  if (givenRedirect === undefined) {
    if (client.redirect_uris.length !== 1) return refuse('invalid_request', 'redirect_uri is required: the client registered several', clientId);
    redirectUri = client.redirect_uris[0]!;
  } else if (found.fromDocument && !client.redirect_uris.includes(givenRedirect)) {
    // CIMD: the redirect_uri must be one the document lists, compared as strings (no loopback port leeway).
    return refuse('invalid_request', `redirect_uri ${JSON.stringify(givenRedirect)} is not listed in the client ID metadata document (listed: ${client.redirect_uris.join(', ')}); it must match one exactly [rule: redirect_uri]`, clientId);
  } else if (!redirectUriMatches(client.redirect_uris, givenRedirect)) {
    return refuse('invalid_request', `redirect_uri ${JSON.stringify(givenRedirect)} is not registered for this client (registered: ${client.redirect_uris.join(', ')})`, clientId);
  } else {
    // The registration's own string when it is the same (it nearly always is): the code keeps no copy.
    redirectUri = client.redirect_uris.find((u) => u === givenRedirect) ?? givenRedirect;
  }

  // Phase 2: the redirect URI is trusted.
  const state = flatOpt(query.get('state') ?? undefined);
  try {
    const form = parseParams(query, ['resource']);
    const responseType = form.get('response_type');
    if (responseType === undefined) throw new OAuthError('invalid_request', 'response_type is missing; use response_type=code');
    if (responseType !== 'code') throw new OAuthError('unsupported_response_type', `response_type ${JSON.stringify(responseType)} is not supported; use code`);
    if (!client.response_types.includes('code')) throw new OAuthError('unauthorized_client', 'client did not register response_type code');
    const challenge = form.get('code_challenge');
    if (challenge === undefined) throw new OAuthError('invalid_request', 'code_challenge is required (PKCE, OAuth 2.1 §4.1.1)');
    const method = form.get('code_challenge_method');
    const methods: readonly string[] = realm.policy.pkceMethods;
    if (method === undefined || !methods.includes(method)) {
      const want = methods.join(' or ');
      throw new OAuthError('invalid_request', `code_challenge_method must be ${want}${method === undefined ? ' (it defaults to plain, which this server does not support)' : `, not ${JSON.stringify(method)}`}`);
    }
    if (!CHALLENGE_RE.test(challenge)) throw new OAuthError('invalid_request', 'code_challenge must be 43-128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.2)');
    const scope = grantedScope(form.get('scope'), client, realm.policy);
    // This server's own resource string for its one resource, rather than the request's copy of it.
    const resources = parseResources(form.all('resource')).map((r) => (r === realm.resource ? realm.resource : r));
    // The client id is the registration's own; the rest was read through parseParams (copies).
    // givenRedirect: the same string as redirectUri whenever one was given (the registration's own, above).
    const request: AuthorizationRequest = { clientId: client.client_id, redirectUri, givenRedirect: givenRedirect === undefined ? undefined : redirectUri, state, codeChallenge: challenge, scope, resources };
    return { kind: 'valid', request };
  } catch (err) {
    if (err instanceof OAuthError) return { kind: 'redirect-error', redirectUri, state, error: err, clientId };
    throw err;
  }
}
