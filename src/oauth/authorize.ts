import type { Hono } from 'hono';
import { errorPage } from '../http/page.js';
import { OAuthError } from '../http/oauth-error.js';
import { methodNotAllowed, parseParams, strike, type AppEnv, type Ctx, type Form } from '../http/kit.js';
import { SUBJECT, type Realm } from '../realm.js';
import { randomToken } from '../secrets.js';
import { CHALLENGE_RE, parseResources, parseScope } from './params.js';
import { redirectUriMatches } from './redirect-uri.js';

const CODE_TTL_MS = 60_000;

/**
 * GET /authorize in two phases. Until the client and its redirect URI are verified, errors go to the
 * browser as a 400 page; after that, every outcome is a redirect carrying `state` and `iss`
 * (RFC 6749 §4.1.2.1, RFC 9207). Consent is granted automatically.
 */
export function mountAuthorize(app: Hono<AppEnv>, realm: Realm): void {
  app.get('/authorize', (c) => authorize(c, realm));
  app.all('/authorize', methodNotAllowed('GET'));
}

async function authorize(c: Ctx, realm: Realm): Promise<Response> {
  // Hono answers HEAD with the GET handler; a link preview must not mint codes.
  if (c.req.method === 'HEAD') return methodNotAllowed('GET')(c);
  realm.counters.authorizeCalls++;
  const note = c.get('note');
  const query = new URL(c.req.url).searchParams;

  // Phase 1: nothing here may redirect.
  const refuse = (error: string, description: string) => {
    note.outcome = error;
    note.detail = description;
    return errorPage(400, error, description);
  };
  for (const name of ['client_id', 'redirect_uri'] as const) {
    if (query.getAll(name).length > 1) return refuse('invalid_request', `${name} must not be repeated (RFC 6749 §3.1)`);
  }
  const clientId = query.get('client_id');
  if (!clientId) return refuse('invalid_request', 'client_id is missing');
  const client = realm.store.clients.get(clientId);
  if (!client) return refuse('invalid_client', `unknown client_id ${JSON.stringify(clientId)}; register it first (POST /register)`);
  note.clientId = clientId;
  const givenRedirect = query.get('redirect_uri') || undefined;
  let redirectUri: string;
  if (givenRedirect === undefined) {
    if (client.redirect_uris.length !== 1) return refuse('invalid_request', 'redirect_uri is required: the client registered several');
    redirectUri = client.redirect_uris[0]!;
  } else if (!redirectUriMatches(client.redirect_uris, givenRedirect)) {
    return refuse('invalid_request', `redirect_uri ${JSON.stringify(givenRedirect)} is not registered for this client (registered: ${client.redirect_uris.join(', ')})`);
  } else {
    redirectUri = givenRedirect;
  }

  // Phase 2: the redirect URI is trusted; errors travel back to the client.
  const state = query.get('state') ?? undefined;
  const back = (params: Record<string, string>, omit: string[] = []): Response => {
    const url = new URL(redirectUri);
    const all: Record<string, string | undefined> = { ...params, state, iss: realm.issuer };
    for (const [k, v] of Object.entries(all)) if (v !== undefined && !omit.includes(k)) url.searchParams.set(k, v);
    return new Response(null, { status: 302, headers: { Location: url.href, 'Cache-Control': 'no-store' } });
  };
  const fail = (err: OAuthError, omit: string[] = []) => {
    note.outcome = err.code;
    note.detail = err.description;
    return back({ error: err.code, error_description: err.description }, omit);
  };

  let form: Form;
  try {
    form = parseParams(query, ['resource']);
    const responseType = form.get('response_type');
    if (responseType === undefined) throw new OAuthError('invalid_request', 'response_type is missing; use response_type=code');
    if (responseType !== 'code') throw new OAuthError('unsupported_response_type', `response_type ${JSON.stringify(responseType)} is not supported; use code`);
    if (!client.response_types.includes('code')) throw new OAuthError('unauthorized_client', 'client did not register response_type code');
    const challenge = form.get('code_challenge');
    if (challenge === undefined) throw new OAuthError('invalid_request', 'code_challenge is required (PKCE, OAuth 2.1 §4.1.1)');
    const method = form.get('code_challenge_method');
    if (method !== 'S256') {
      throw new OAuthError('invalid_request', `code_challenge_method must be S256${method === undefined ? ' (it defaults to plain, which this server does not support)' : `, not ${JSON.stringify(method)}`}`);
    }
    if (!CHALLENGE_RE.test(challenge)) throw new OAuthError('invalid_request', 'code_challenge must be 43-128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.2)');
    // A client that registered a scope may ask for that much at most, and gets it by default.
    const registered = typeof client.metadata.scope === 'string' ? client.metadata.scope.split(' ').filter(Boolean) : undefined;
    const allowed = registered ?? realm.config.scopes;
    const scope = parseScope(form.get('scope'), allowed, registered ? 'this client registered' : 'this server knows') ?? allowed;
    const resources = parseResources(form.all('resource'));

    const s = await strike(c, realm, 'authorize');
    if (s.response) return s.response;
    if (s.error) return fail(s.error, s.omit);

    const code = randomToken('ac_');
    realm.store.saveCode(code, {
      clientId,
      redirectUri: givenRedirect,
      codeChallenge: challenge,
      scope,
      resources,
      sub: SUBJECT,
      grantId: randomToken('g_', 12),
      expiresAt: realm.clock.now() + CODE_TTL_MS,
    });
    note.detail = `scope="${scope.join(' ')}"${resources.length ? ` resource=${resources.join(',')}` : ''}`;
    return back({ code }, s.omit);
  } catch (err) {
    if (err instanceof OAuthError) return fail(err);
    throw err;
  }
}
