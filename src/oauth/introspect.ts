import type { Hono } from 'hono';
import { parseParams, readForm } from '../http/form.js';
import { NO_STORE, OAuthError, jsonResponse } from '../http/oauth-error.js';
import { INACTIVE_REASON_MEMBER } from '../http/inactive-reason.js';
import { omitFields } from '../http/omit.js';
import type { AppEnv, Ctx } from '../pipeline/env.js';
import { methodNotAllowed } from '../pipeline/method.js';
import { strike } from '../pipeline/strike.js';
import type { Realm } from '../realm.js';
import { isLive } from '../store/store.js';
import { authenticateClient } from './client-auth.js';
import { unknown, whyDead, type Kept } from './why-inactive.js';

const INACTIVE = { active: false } as const;

/**
 * POST /introspect (RFC 7662): the caller must authenticate (§2.1) — a confidential client, or the
 * resource server with its configured credentials. GET /introspect?token= is the original contract's
 * unauthenticated shortcut, kept for compatibility and documented as test-only. An inactive answer is
 * exactly `{"active":false}` (§2.2), except to our own MCP server, which is told why (INACTIVE_REASON_MEMBER)
 * to put it in its challenge; every caller's event says why.
 */
export function mountIntrospect(app: Hono<AppEnv>): void {
  app.post('/introspect', introspect);
  app.get('/introspect', introspectByQuery);
  app.all('/introspect', methodNotAllowed('GET, POST'));
}

async function introspect(c: Ctx): Promise<Response> {
  const realm = c.get('realm');
  realm.counters.introspections++;
  const note = c.get('note');
  note.endpoint = 'introspect';
  const form = await readForm(c.req);
  const caller = await authenticateClient(c, form, { allowPublic: false, allowRs: true });
  note.clientId = caller.clientId;
  const token = form.get('token');
  if (token === undefined) throw new OAuthError('invalid_request', 'token is missing');
  const omit = await strike(c, 'introspect');
  const full = await describe(realm, token, form.get('token_type_hint'));
  note.active = full.active;
  note.outcome = full.active ? 'active' : 'inactive';
  if (full.active) return jsonResponse(omitFields(full, omit), 200, NO_STORE);
  note.reason = full.why;
  // The resource server's configured credentials are the only caller without a client record.
  const body = caller.client === undefined ? { active: false, [INACTIVE_REASON_MEMBER]: full.why } : INACTIVE;
  return jsonResponse(omitFields(body, omit), 200, NO_STORE);
}

async function introspectByQuery(c: Ctx): Promise<Response> {
  const realm = c.get('realm');
  realm.counters.introspections++;
  const note = c.get('note');
  note.endpoint = 'introspect';
  const form = parseParams(new URL(c.req.url).searchParams);
  const token = form.get('token');
  if (token === undefined) throw new OAuthError('invalid_request', 'token is missing: GET /introspect?token=…');
  const omit = await strike(c, 'introspect');
  const full = await describe(realm, token, undefined);
  note.active = full.active;
  note.outcome = full.active ? 'active' : 'inactive';
  if (!full.active) note.reason = full.why;
  const body = full.active ? { active: true, scope: full.scope } : INACTIVE;
  return jsonResponse(omitFields(body, omit), 200, NO_STORE);
}

/** Inactive: `why` is for our own MCP server and the event only. */
type Introspection = { active: false; why: string } | ({ active: true } & Record<string, unknown> & { scope: string });

async function describe(realm: Realm, token: string, hint: string | undefined): Promise<Introspection> {
  const now = realm.clock.now();
  const order = hint === 'refresh_token' ? (['refresh', 'access'] as const) : (['access', 'refresh'] as const);
  const kept: { access?: Kept; refresh?: Kept } = {};
  for (const kind of order) {
    if (kind === 'access') {
      const r = (kept.access = await realm.store.find('access', token));
      if (r && isLive(r, now)) {
        return {
          active: true,
          scope: r.scope.join(' '),
          client_id: r.clientId,
          sub: r.sub,
          aud: r.aud.length === 1 ? r.aud[0] : r.aud,
          iss: realm.issuer,
          exp: r.exp,
          iat: r.iat,
          token_type: 'Bearer',
        };
      }
    } else {
      const r = (kept.refresh = await realm.store.find('refresh', token));
      if (r && isLive(r, now)) {
        return {
          active: true,
          scope: r.scope.join(' '),
          ...(r.clientId !== null ? { client_id: r.clientId } : {}),
          sub: r.sub,
          iss: realm.issuer,
          iat: r.iat,
          token_type: 'refresh_token',
        };
      }
    }
  }
  // Searched in the same order: the first kind that remembers the token says why it is dead.
  for (const kind of order) {
    const why = await whyDead(realm, kind, token, kept[kind]);
    if (why === undefined) continue;
    // Our MCP server asks with this hint: a dead refresh token sent as a bearer token is two mistakes.
    return { active: false, why: kind === 'refresh' && hint === 'access_token' ? `this is a refresh token, not an access token (RFC 6749 section 1.5); ${why}` : why };
  }
  return { active: false, why: unknown('token') };
}
