import type { Identity } from '../faults.js';
import { OAuthError } from '../http/oauth-error.js';
import type { Ctx } from '../pipeline/env.js';
import type { Realm } from '../realm.js';
import { abbreviate, randomToken } from '../secrets.js';
import { sharedList } from '../store/shared-list.js';
import type { AuthorizationRequest } from './authorization-request.js';
import { issuerVariant } from './issuer-variant.js';

/**
 * The issue step of /authorize: a decision carried out as the redirect back to the client, with
 * `state` and `iss` (RFC 6749 §4.1.2, RFC 9207), whether it was decided at once (automatic consent,
 * a fault's denial) or later on the consent page.
 */

/** What faults take out of a redirect (omit) and spoil in it (iss, state). */
export type Spoil = { omit: readonly string[]; identity?: Identity };

/** What is decided on a valid request: approved (with the scope granted, to the user picked), or denied; and what faults spoil in the redirect. */
export type Decision = ({ kind: 'approve'; scope: string[]; sub: string } | { kind: 'deny'; error: OAuthError }) & Spoil;

/** Carries out a decision on a (possibly parked) request: a code, or an error, back to the client. */
export async function resume(c: Ctx, request: AuthorizationRequest, decision: Decision): Promise<Response> {
  if (decision.kind === 'deny') return redirectError(c, request.redirectUri, request.state, decision.error, decision);
  const realm = c.get('realm');
  // A reset while the request waited (a latency fault, a parked consent): its client is gone.
  if (realm.generation !== c.get('generation')) return redirectError(c, request.redirectUri, request.state, resetWhileInFlight(), decision);
  const code = await issueCode(realm, request, decision.scope, decision.sub);
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
async function issueCode(realm: Realm, request: AuthorizationRequest, scope: string[], sub: string): Promise<{ code: string; grantId: string } | undefined> {
  const code = randomToken('ac_');
  const grantId = randomToken('g_', 12);
  const saved = await realm.store.upsert('code', code, {
    clientId: request.clientId,
    redirectUri: request.givenRedirect,
    codeChallenge: request.codeChallenge,
    scope: sharedList(scope),
    resources: sharedList(request.resources),
    sub,
    grantId,
    expiresAt: realm.clock.now() + realm.policy.codeTtlSeconds * 1000,
    consumedAt: undefined,
  }, realm.config.maxCodes);
  return saved === true ? { code, grantId } : undefined;
}

/** OAuth 2.1 §4.1.2.1 has no code for it: the request is not approved (its client no longer exists). */
const resetWhileInFlight = () =>
  new OAuthError('access_denied', 'the server was reset (POST /control/reset) while this request was in flight; nothing from before the reset is valid: register and authorize again');

export function redirectError(c: Ctx, redirectUri: string, state: string | undefined, err: OAuthError, spoil: Spoil): Response {
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
