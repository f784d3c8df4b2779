import type { Hono } from 'hono';
import { errorPage } from '../http/page.js';
import type { AppEnv, Ctx } from '../pipeline/env.js';
import { methodNotAllowed } from '../pipeline/method.js';
import { InjectedError, strikeAltering } from '../pipeline/strike.js';
import { SUBJECT } from '../realm.js';
import { OAuthError } from '../http/oauth-error.js';
import { validateAuthorization, type AuthorizationRequest } from './authorization-request.js';
import { redirectError, resume, type Decision, type Spoil } from './authorization-response.js';
import { mountConsent, showConsentPage } from './consent.js';
import { noteAuthorizeFacts } from './authorize-facts.js';

/**
 * GET /authorize as validate → decide → issue. Validation refuses to the browser until the redirect
 * URI is verified; afterwards every outcome is a redirect carrying `state` and `iss` (RFC 6749
 * §4.1.2.1, RFC 9207). Consent is automatic, or under CONSENT=page a person's on the consent page
 * (its form's route is mounted beside /authorize, wherever that is); faults may deny it either way.
 */
export function mountAuthorize(app: Hono<AppEnv>): void {
  app.get('/authorize', authorize);
  app.all('/authorize', methodNotAllowed('GET'));
  mountConsent(app);
}

async function authorize(c: Ctx): Promise<Response> {
  // Hono answers HEAD with the GET handler; a link preview must not mint codes.
  if (c.req.method === 'HEAD') return methodNotAllowed('GET')(c);
  const realm = c.get('realm');
  realm.counters.authorizeCalls++;
  const note = c.get('note');
  note.endpoint = 'authorize';
  const query = new URL(c.req.url).searchParams;
  const v = await validateAuthorization(query, realm, note);
  noteAuthorizeFacts(note, query, c.get('urls').resource, v.kind === 'valid' ? v.request.redirectUri : v.kind === 'redirect-error' ? v.redirectUri : undefined);
  if (v.kind === 'refuse') {
    note.clientId = v.clientId;
    note.outcome = v.error;
    note.reason = v.description;
    return errorPage(400, v.error, v.description);
  }
  note.clientId = v.kind === 'valid' ? v.request.clientId : v.clientId;
  if (v.kind === 'redirect-error') return redirectError(c, v.redirectUri, v.state, v.error, { omit: [] });
  const struck = await strikeConsent(c, v.request);
  if ('kind' in struck) return resume(c, v.request, struck);
  if (c.get('realm').policy.consent === 'page') return showConsentPage(c, v.request, struck);
  return resume(c, v.request, { kind: 'approve', scope: v.request.scope, sub: SUBJECT, ...struck });
}

/**
 * The faults' one step, before any consent: a denial (deny-consent) answers at once, as under
 * automatic consent, so no page is shown; a latency is waited here. What faults spoil in the
 * redirect (omit, iss, state) is kept for the decision, however late it comes.
 */
async function strikeConsent(c: Ctx, request: AuthorizationRequest): Promise<Decision | Spoil> {
  try {
    const { omit, identity, target } = await strikeAltering(c, 'authorize');
    const foreign = target ? foreignScopes(request) : [];
    if (foreign.length) {
      // Entra ID's AADSTS9010010: a v2.0 scope names its resource (`api://…/read`); RFC 8707 §2 lets it refuse the pair.
      const error = new OAuthError('invalid_target', `AADSTS9010010: the resource parameter provided in the request doesn't match with the requested scopes (${foreign.join(' ')} are not scopes of ${request.resources[0]}; an invalid-target fault)`);
      return { kind: 'deny', error, omit, identity };
    }
    return { omit, identity };
  } catch (err) {
    if (err instanceof InjectedError) return { kind: 'deny', error: err, omit: err.omit, identity: err.identity };
    throw err;
  }
}


/** With a resource asked for, the scopes not written `<resource>/<scope>`. */
function foreignScopes(request: AuthorizationRequest): string[] {
  const resources = request.resources;
  if (resources.length === 0) return [];
  return request.scope.filter((s) => !resources.some((r) => s.startsWith(`${r.replace(/\/+$/, '')}/`)));
}
