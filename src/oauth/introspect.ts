import type { Hono } from 'hono';
import { NO_STORE, OAuthError, jsonResponse } from '../http/oauth-error.js';
import { methodNotAllowed, omitFields, parseParams, readForm, strike, type AppEnv, type Ctx } from '../http/kit.js';
import type { Realm } from '../realm.js';
import { authenticateClient } from './client-auth.js';

const INACTIVE = { active: false } as const;

/**
 * POST /introspect (RFC 7662): the caller must authenticate (§2.1) — a confidential client, or the
 * resource server with its configured credentials. GET /introspect?token= is the original contract's
 * unauthenticated shortcut, kept for compatibility and documented as test-only.
 */
export function mountIntrospect(app: Hono<AppEnv>, realm: Realm): void {
  app.post('/introspect', (c) => introspect(c, realm));
  app.get('/introspect', (c) => introspectByQuery(c, realm));
  app.all('/introspect', methodNotAllowed('GET, POST'));
}

async function introspect(c: Ctx, realm: Realm): Promise<Response> {
  realm.counters.introspections++;
  const form = await readForm(c);
  const caller = authenticateClient(c, form, realm, { allowPublic: false, allowRs: true });
  c.get('note').clientId = caller.clientId;
  const token = form.get('token');
  if (token === undefined) throw new OAuthError('invalid_request', 'token is missing');
  const s = await strike(c, realm, 'introspect');
  if (s.response) return s.response;
  if (s.error) throw s.error;
  const body = describe(realm, token, form.get('token_type_hint'));
  c.get('note').outcome = body.active ? 'active' : 'inactive';
  return jsonResponse(omitFields(body, s.omit), 200, NO_STORE);
}

async function introspectByQuery(c: Ctx, realm: Realm): Promise<Response> {
  realm.counters.introspections++;
  const form = parseParams(new URL(c.req.url).searchParams);
  const token = form.get('token');
  if (token === undefined) throw new OAuthError('invalid_request', 'token is missing: GET /introspect?token=…');
  const s = await strike(c, realm, 'introspect');
  if (s.response) return s.response;
  if (s.error) throw s.error;
  const full = describe(realm, token, undefined);
  c.get('note').outcome = full.active ? 'active' : 'inactive';
  const body = full.active ? { active: true, scope: full.scope } : INACTIVE;
  return jsonResponse(omitFields(body, s.omit), 200, NO_STORE);
}

type Introspection = { active: false } | ({ active: true } & Record<string, unknown> & { scope: string });

function describe(realm: Realm, token: string, hint: string | undefined): Introspection {
  const order = hint === 'refresh_token' ? ['refresh', 'access'] : ['access', 'refresh'];
  for (const kind of order) {
    if (kind === 'access') {
      const r = realm.store.findAccess(token);
      if (r) {
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
      const r = realm.store.findRefresh(token);
      if (r && !r.rotated) {
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
  return INACTIVE;
}
