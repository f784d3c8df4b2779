import type { Hono } from 'hono';
import { readForm } from '../http/form.js';
import { NO_STORE, OAuthError, jsonResponse } from '../http/oauth-error.js';
import { omitFields } from '../http/omit.js';
import type { AppEnv, Ctx } from '../pipeline/env.js';
import { methodNotAllowed } from '../pipeline/method.js';
import { strikeAltering } from '../pipeline/strike.js';
import type { GrantType } from '../policy.js';
import { authenticateClient } from './client-auth.js';
import { assertSameGeneration } from './issue.js';
import { GRANTS, isLiveSeed } from './grants/index.js';
import { refuseWith200, shapedTokenResponse, slackRefusal } from './token-shape.js';
import { TOKEN_SHAPE_ERRORS, TOKEN_SHAPE_REFUSALS } from '../faults.js';
import type { Form } from '../http/form.js';
import { factDigest } from '../secrets.js';
import { namesResource } from './authorize-facts.js';

/** How the request authenticates, read off its shape (RFC 6749 §2.3), before it is judged; and whether it sent `resource`. */
function noteTokenFacts(c: Ctx, form: Form): void {
  const note = c.get('note');
  const header = c.req.header('authorization');
  note.authMethod =
    form.get('client_assertion') !== undefined ? 'private_key_jwt' : header !== undefined && /^basic\s/i.test(header) ? 'client_secret_basic' : form.get('client_secret') !== undefined ? 'client_secret_post' : 'none';
  const resources = form.all('resource');
  note.resourceSent = resources.length > 0;
  if (note.resourceSent) {
    const ours = c.get('urls').resource;
    note.resourceMatches = resources.every((r) => namesResource(r, ours));
  }
}

/** POST /token: each grant_type the policy lists is served by its handler in grants/ (OAuth 2.1 §4). */
export function mountToken(app: Hono<AppEnv>): void {
  app.post('/token', async (c) => {
    try {
      return await token(c);
    } catch (err) {
      // A standing quirk that also bends refusals (a persona's): looked at, not taken, so it counts no hit.
      if (err instanceof OAuthError && refusalsBent(c)) {
        c.get('note').outcome = err.code;
        c.get('note').reason = err.description;
        return slackRefusal(err.code);
      }
      throw err;
    }
  });
  app.all('/token', methodNotAllowed('POST'));
}

async function token(c: Ctx): Promise<Response> {
  const realm = c.get('realm');
  realm.counters.tokenCalls++;
  const note = c.get('note');
  note.endpoint = 'token';
  const form = await readForm(c.req, ['resource']);
  const grant = form.get('grant_type');
  if (grant === undefined) throw new OAuthError('invalid_request', 'grant_type is missing');
  note.grant = grant;
  const served: readonly string[] = realm.policy.grantTypes;
  // Keyed by the grants we serve only: a client's arbitrary grant_type must not grow the counters.
  const known = served.includes(grant);
  const key = known ? grant : 'unsupported';
  const byGrant = realm.counters.tokenCallsByGrant;
  byGrant[key] = (Object.hasOwn(byGrant, key) ? byGrant[key]! : 0) + 1;
  if (!known) {
    throw new OAuthError('unsupported_grant_type', `grant_type ${JSON.stringify(grant)} is not supported; use ${served.join(' or ')}`);
  }
  noteTokenFacts(c, form);
  const seeded = grant === 'refresh_token' && (await isLiveSeed(realm, form.get('refresh_token')));
  const caller = await authenticateClient(c, form, { allowPublic: true, registeredMethodOnly: true, adoptUnknown: seeded }).catch(async (err: unknown) => {
    // A registered client refused for how it authenticated (token-endpoint-auth-method) is still graded as itself.
    const id = form.get('client_id');
    const known = id === undefined ? undefined : await realm.store.findClient(id);
    if (known) note.clientId = known.client_id;
    throw err;
  });
  note.clientId = caller.clientId;
  note.authMethod = caller.method;
  // RFC 6749 §4.4: only a confidential client may use client_credentials; a client_id alone is no authentication (§5.2 invalid_client).
  if (grant === 'client_credentials' && caller.method === 'none') {
    throw new OAuthError('invalid_client', 'grant_type client_credentials needs client authentication (RFC 6749 §4.4): a public client (token_endpoint_auth_method none) cannot use it', 401);
  }
  if (!caller.client!.grant_types.includes(grant)) {
    throw new OAuthError('unauthorized_client', `client did not register grant_type ${grant}`);
  }

  const { omit, alter, shape } = await strikeAltering(c, 'token', { grant });
  if (alter?.kind === 'token-flaw') c.set('tokenFlaw', alter.flaw);
  const quirk = shape?.effect.kind === 'token-shape' ? shape.effect : undefined;
  if (quirk && TOKEN_SHAPE_ERRORS.includes(quirk.quirk)) refuseWith200(c, quirk.quirk, quirk.error);
  // A reset while the fault made us wait: the client and the grant it showed are gone.
  assertSameGeneration(realm, c.get('generation'));
  const body = await GRANTS[grant as GrantType](form, caller, c);
  assertSameGeneration(realm, c.get('generation'));
  if (grant === 'refresh_token') realm.counters.refreshes++;
  if (caller.adopted) await realm.store.upsertClient(caller.client!, realm.config.maxClients);
  note.accessDigest = factDigest(body.access_token);
  note.refreshIssued = body.refresh_token !== undefined;
  const sent = omitFields(body, omit);
  return quirk ? shapedTokenResponse(sent, quirk.quirk, c.req.header('accept')) : jsonResponse(sent, 200, NO_STORE);
}

function refusalsBent(c: Ctx): boolean {
  return c.get('realm').faults.list().some((f) => f.endpoint === 'token' && f.effect.kind === 'token-shape' && TOKEN_SHAPE_REFUSALS.includes(f.effect.quirk));
}
