import type { Hono } from 'hono';
import { errorPage } from '../http/page.js';
import { OAuthError } from '../http/oauth-error.js';
import type { AppEnv, Ctx } from '../pipeline/env.js';
import { methodNotAllowed } from '../pipeline/method.js';
import { InjectedError, strikeAltering } from '../pipeline/strike.js';
import type { Identity } from '../faults.js';
import { issuerVariant } from './issuer-variant.js';
import { SUBJECT, type Realm } from '../realm.js';
import { abbreviate, randomToken } from '../secrets.js';
import { validateAuthorization, type AuthorizationRequest } from './authorization-request.js';
import { noteAuthorizeFacts } from './authorize-facts.js';

/** What is decided on a valid request: approved (with the scope granted), or denied; and what faults spoil in the redirect. */
export type Decision = ({ kind: 'approve'; scope: string[] } | { kind: 'deny'; error: OAuthError }) & { omit: string[]; identity?: Identity };

/**
 * GET /authorize as validate → decide → issue. Validation refuses to the browser until the redirect
 * URI is verified; afterwards every outcome is a redirect carrying `state` and `iss` (RFC 6749
 * §4.1.2.1, RFC 9207). Consent is decided automatically (faults may deny it).
 */
export function mountAuthorize(app: Hono<AppEnv>): void {
  app.get('/authorize', authorize);
  app.all('/authorize', methodNotAllowed('GET'));
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
  return resume(c, v.request, await decide(c, v.request));
}

/** Automatic consent: approved with the scope asked for, unless a fault (deny-consent) answers instead. */
async function decide(c: Ctx, request: AuthorizationRequest): Promise<Decision> {
  try {
    const { omit, identity } = await strikeAltering(c, 'authorize');
    return { kind: 'approve', scope: request.scope, omit, identity };
  } catch (err) {
    if (err instanceof InjectedError) return { kind: 'deny', error: err, omit: err.omit, identity: err.identity };
    throw err;
  }
}

/** Carries out a decision on a (possibly parked) request: a code, or an error, back to the client. */
export async function resume(c: Ctx, request: AuthorizationRequest, decision: Decision): Promise<Response> {
  if (decision.kind === 'deny') return redirectError(c, request.redirectUri, request.state, decision.error, decision);
  const realm = c.get('realm');
  // A reset while the request waited (a latency fault, a parked consent): its client is gone.
  if (realm.generation !== c.get('generation')) return redirectError(c, request.redirectUri, request.state, resetWhileInFlight(), decision);
  const code = await issueCode(realm, request, decision.scope);
  if (!code) {
    const cap = realm.config.maxCodes;
    const err = new OAuthError('temporarily_unavailable', `authorization codes are full (${cap} kept, MAX_CODES); POST /control/reset to clear them`);
    return redirectError(c, request.redirectUri, request.state, err, decision);
  }
  if (realm.generation !== c.get('generation')) {
    await realm.store.destroy('code', code.code);
    return redirectError(c, request.redirectUri, request.state, resetWhileInFlight(), decision);
  }
  const note = c.get('note');
  note.grantId = abbreviate(code.grantId);
  note.scopes = decision.scope;
  note.resources = request.resources;
  return redirect(c, request.redirectUri, { code: code.code, state: request.state }, decision);
}

/** A new code, or undefined when MAX_CODES are kept. */
async function issueCode(realm: Realm, request: AuthorizationRequest, scope: string[]): Promise<{ code: string; grantId: string } | undefined> {
  const code = randomToken('ac_');
  const grantId = randomToken('g_', 12);
  const saved = await realm.store.upsert('code', code, {
    clientId: request.clientId,
    redirectUri: request.givenRedirect,
    codeChallenge: request.codeChallenge,
    scope,
    resources: request.resources,
    sub: SUBJECT,
    grantId,
    expiresAt: realm.clock.now() + realm.policy.codeTtlSeconds * 1000,
  }, realm.config.maxCodes);
  return saved === true ? { code, grantId } : undefined;
}

/** OAuth 2.1 §4.1.2.1 has no code for it: the request is not approved (its client no longer exists). */
const resetWhileInFlight = () =>
  new OAuthError('access_denied', 'the server was reset (POST /control/reset) while this request was in flight; nothing from before the reset is valid: register and authorize again');

/** What faults take out of a redirect (omit) and spoil in it (iss, state). */
type Spoil = Pick<Decision, 'omit' | 'identity'>;

function redirectError(c: Ctx, redirectUri: string, state: string | undefined, err: OAuthError, spoil: Spoil): Response {
  const note = c.get('note');
  note.outcome = err.code;
  note.reason = err.description;
  return redirect(c, redirectUri, { error: err.code, error_description: err.description, state }, spoil);
}

function redirect(c: Ctx, redirectUri: string, params: Record<string, string | undefined>, { omit, identity = {} }: Spoil): Response {
  // RFC 9207: iss is the issuer of the metadata this client read (the loopback name it used, when not configured).
  const all = { ...params, iss: issOf(c, identity), state: stateOf(params.state, identity) };
  const ours = new URLSearchParams();
  for (const [k, v] of Object.entries(all)) if (v !== undefined && !omit.includes(k)) ours.append(k, v);
  // RFC 6749 §3.1.2: the registered query component is retained as it is (re-serialising it would turn
  // "?flag" into "?flag="); ours is appended. Registration admits only printable ASCII and no fragment.
  const q = redirectUri.indexOf('?');
  const sep = q < 0 ? '?' : q === redirectUri.length - 1 || redirectUri.endsWith('&') ? '' : '&';
  const extra = ours.toString();
  const location = extra ? `${redirectUri}${sep}${extra}` : redirectUri;
  return new Response(null, { status: 302, headers: { Location: location, 'Cache-Control': 'no-store' } });
}

/** The redirect's iss: the issuer when the policy advertises it, as an `iss` fault spoils it (faults.ts ISS_MODES). */
function issOf(c: Ctx, { iss }: Identity): string | undefined {
  const issuer = c.get('urls').issuer;
  if (iss === 'omitted') return undefined;
  if (iss === 'unadvertised') return issuer;
  if (!c.get('realm').policy.issParameter) return undefined;
  return iss ? issuerVariant(issuer, iss) : issuer;
}

/** The redirect's state as a `state` fault spoils it (RFC 6749 §4.1.2: a client must refuse a mismatch). */
function stateOf(state: string | undefined, { state: mode }: Identity): string | undefined {
  if (mode === 'dropped') return undefined;
  if (mode === 'altered') return state === undefined ? 'altered' : `${state}-altered`;
  return state;
}
