import type { Hono } from 'hono';
import type { ConsentLedger } from '../consent-ledger.js';
import { CONSENT_TTL_SECONDS, MAX_PARKED_CONSENTS } from '../consent-ledger.js';
import { readForm } from '../http/form.js';
import { OAuthError } from '../http/oauth-error.js';
import { pageSecurityHeaders } from '../http/page.js';
import { ConsentPage, ConsentRefusedPage } from '../pages/consent.js';
import { renderDocument, STYLE_SOURCE } from '../pages/layout.js';
import type { AppEnv, Ctx } from '../pipeline/env.js';
import { methodNotAllowed } from '../pipeline/method.js';
import type { Realm } from '../realm.js';
import type { AuthorizationRequest } from './authorization-request.js';
import { redirectError, resume, type Spoil } from './authorization-response.js';
import { findClient } from './cimd.js';

/**
 * CONSENT=page: a valid /authorize request is parked and a person decides on it (oidc-provider's
 * interactions). GET /authorize shows the page; its form posts here, to POST /consent beside it,
 * with the parked request's id and the anti-forgery token bound to it. Approve with the scopes left
 * ticked and the user picked; Deny is `access_denied`. Either way the redirect is the one automatic
 * consent would send (resume), with what faults spoiled at /authorize.
 */

/** What a parked request holds. */
interface Held {
  request: AuthorizationRequest;
  spoil: Spoil;
}

// The realm keeps parked requests opaque (state imports nothing of the handlers); this module alone parks and reads them.
const ledger = (realm: Realm) => realm.consents as ConsentLedger<Held>;

export function mountConsent(app: Hono<AppEnv>): void {
  app.post('/consent', decide);
  app.all('/consent', methodNotAllowed('POST'));
}

/** Parks a validated request and answers the consent page (200, text/html) in place of the redirect. */
export async function showConsentPage(c: Ctx, request: AuthorizationRequest, spoil: Spoil): Promise<Response> {
  const realm = c.get('realm');
  const parked = ledger(realm).park({ request, spoil }, c.get('generation'), realm.clock.now());
  if (!parked) {
    const err = new OAuthError('temporarily_unavailable', `consent pages are full (${MAX_PARKED_CONSENTS} waiting, each for ${CONSENT_TTL_SECONDS} s); decide on one, wait, or POST /control/reset`);
    return redirectError(c, request.redirectUri, request.state, err, spoil);
  }
  const found = await findClient(realm, request.clientId);
  const metadata = found && 'client' in found ? found.client.metadata : {};
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  c.get('note').consent = 'page-shown';
  const page = ConsentPage({
    clientId: request.clientId,
    clientName: text(metadata.client_name),
    clientUri: text(metadata.client_uri),
    redirectTo: destination(request.redirectUri),
    resources: request.resources.length ? request.resources : [`${realm.resource} (the client named none)`],
    scopes: request.scope,
    users: realm.config.consentUsers,
    consentId: parked.id,
    csrf: parked.csrf,
  });
  return htmlPage(200, await renderDocument(page), formTargets(request.redirectUri));
}

/** POST /consent: the person's decision, carried out once; anything forged, replayed or stale is a 400 page and changes nothing. */
async function decide(c: Ctx): Promise<Response> {
  const realm = c.get('realm');
  const note = c.get('note');
  note.endpoint = 'authorize';
  const refuse = async (description: string): Promise<Response> => {
    note.outcome = 'invalid_request';
    note.reason = description;
    return htmlPage(400, await renderDocument(ConsentRefusedPage({ error: 'invalid_request', description })), []);
  };
  const foreign = foreignOrigin(c);
  if (foreign) return refuse(`a consent decision must come from the consent page itself, not from ${foreign} (cross-site form posts are refused)`);
  let form;
  try {
    form = await readForm(c.req, ['scope']);
  } catch (err) {
    if (err instanceof OAuthError) return refuse(err.description);
    throw err;
  }
  const id = form.get('consent_id');
  const csrf = form.get('csrf');
  if (!id || !csrf) return refuse('consent_id and csrf are required: post the consent page\'s own form');
  const parked = ledger(realm).check(id, csrf, realm.clock.now());
  if (parked === 'unknown') return refuse('this consent page is unknown, or was already decided (each page decides once); start again from the client');
  if (parked === 'expired') return refuse(`this consent page expired (pages wait ${CONSENT_TTL_SECONDS} s); start again from the client`);
  const { request, spoil } = parked.held;
  note.clientId = request.clientId;
  const decision = form.get('decision');
  if (decision !== 'approve' && decision !== 'deny') return refuse(`decision must be approve or deny${decision === undefined ? '' : `, not ${JSON.stringify(decision.slice(0, 50))}`}`);
  const ticked = form.all('scope');
  const unasked = ticked.filter((s) => !request.scope.includes(s));
  if (unasked.length) return refuse(`scope ${JSON.stringify(unasked[0]!.slice(0, 100))} was not asked for: a person may grant fewer scopes than the client asked, never more`);
  if (new Set(ticked).size !== ticked.length) return refuse('a scope is ticked twice');
  const sub = form.get('sub') ?? realm.config.consentUsers[0]!;
  if (!realm.config.consentUsers.includes(sub)) return refuse(`sub ${JSON.stringify(sub.slice(0, 100))} is not one of the test users (CONSENT_USERS: ${realm.config.consentUsers.join(' ')})`);

  // Checked whole: now it is spent, and decides nothing again.
  ledger(realm).take(id);
  // The generation it was parked in: a reset since then issues nothing (resume checks it).
  c.set('generation', parked.generation);
  const granted = request.scope.filter((s) => ticked.includes(s));
  if (decision === 'deny' || granted.length === 0) {
    note.consent = 'denied';
    // Approving with every scope unticked grants nothing: a denial, as providers treat a consent that grants no permission.
    const why = decision === 'deny' ? 'the user denied consent on the consent page' : 'the user approved with every scope unticked, which grants nothing: a denial';
    return resume(c, request, { kind: 'deny', error: new OAuthError('access_denied', why), ...spoil });
  }
  note.consent = 'approved';
  note.subject = sub;
  note.scopesDeclined = request.scope.filter((s) => !granted.includes(s));
  return resume(c, request, { kind: 'approve', scope: granted, sub, ...spoil });
}

/** The origin a cross-site post came from, or undefined for our own page (or a client that sends no Origin, like curl). */
function foreignOrigin(c: Ctx): string | undefined {
  const site = c.req.header('sec-fetch-site');
  const origin = c.req.header('origin');
  if (site !== undefined && site !== 'same-origin') return origin ?? `a ${site} page`;
  if (origin === undefined) return undefined;
  const own = [new URL(c.req.url).origin, new URL(c.get('urls').issuer).origin];
  return own.includes(origin) ? undefined : origin;
}

/** What the page says the answer goes to: the redirect URI's host, or its scheme for a private-use one (RFC 8252 §7.1). */
function destination(redirectUri: string): string {
  const u = new URL(redirectUri);
  if (u.protocol === 'http:' || u.protocol === 'https:') return u.host;
  return u.host ? `${u.protocol}//${u.host}` : u.protocol;
}

/**
 * CSP form-action sources for the decision: our own POST, and the redirect it answers with, which
 * browsers hold to form-action too. An origin when CSP can name it, else its scheme.
 */
function formTargets(redirectUri: string): string[] {
  const u = new URL(redirectUri);
  return /^https?:\/\/[a-z0-9.-]+(:\d+)?$/i.test(u.origin) ? [u.origin] : [u.protocol];
}

/**
 * A consent page's headers: never cached (it carries a single-use token), never framed (a framed
 * consent page is the classic clickjacking target), no script at all, forms only to us and the client.
 */
function htmlPage(status: number, html: string, formTo: string[]): Response {
  return new Response(html, { status, headers: pageSecurityHeaders(["default-src 'none'", `style-src ${STYLE_SOURCE}`, `form-action 'self' ${formTo.join(' ')}`.trim()]) });
}
