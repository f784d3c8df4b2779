import type { Hono } from 'hono';
import { z } from 'zod';
import type { ServerName } from '../events.js';
import { jsonResponse } from '../http/oauth-error.js';
import type { AppEnv, Ctx } from '../http/kit.js';
import type { Realm } from '../realm.js';
import { safeEqual } from '../secrets.js';
import { EFFECT_CATALOGUE, ENDPOINTS, FaultSpecSchema, type FaultSpec } from './faults.js';
import { SWITCH_FAULT_IDS, controlState } from './state.js';

const On = z.object({ on: z.boolean() }).strict();
const Empty = z.object({}).strict();
const Seconds = z.object({ seconds: z.number().int().positive().max(10 * 365 * 86400) }).strict();
const Token = z.object({ token: z.string().min(1).max(4096) }).strict();
const Advance = z.object({ advance: z.number().int().positive().max(100 * 365 * 86400) }).strict();

interface Switch<S extends z.ZodType> {
  schema: S;
  example: string;
  does: string;
  apply: (body: z.infer<S>, realm: Realm) => string;
}
const sw = <S extends z.ZodType>(s: Switch<S>) => s as unknown as Switch<z.ZodType>;

const preset = (realm: Realm, on: boolean, spec: FaultSpec & { id: string }) => {
  if (on) realm.faults.add(spec);
  else realm.faults.remove(spec.id);
  return on ? 'on' : 'off';
};

/** The contract's switches: paths, bodies and meaning exactly as the original product defined them. */
const AS_SWITCHES: Record<string, Switch<z.ZodType>> = {
  rotate: sw({ schema: On, example: '{"on":true}', does: 'rotate the refresh token on every refresh grant', apply: ({ on }, r) => ((r.faults.rotateRefreshTokens = on), on ? 'on' : 'off') }),
  'expires-in': sw({ schema: Seconds, example: '{"seconds":5}', does: 'TTL of access tokens issued from now on', apply: ({ seconds }, r) => ((r.faults.accessTokenTtlSeconds = seconds), `${seconds}s`) }),
  'revoke-access': sw({ schema: Empty, example: '(no body)', does: 'revoke every live access token', apply: (_b, r) => `${r.store.revokeAllAccess()} revoked` }),
  'invalid-grant': sw({
    schema: On,
    example: '{"on":true}',
    does: 'every refresh grant answers 400 invalid_grant',
    apply: ({ on }, r) =>
      preset(r, on, { id: SWITCH_FAULT_IDS.invalidGrant, endpoint: 'token', grant: 'refresh_token', effect: { kind: 'oauth-error', error: 'invalid_grant', description: 'the refresh token is no longer valid (invalid-grant switch is on)' } }),
  }),
  'deny-consent': sw({
    schema: On,
    example: '{"on":true}',
    does: '/authorize redirects back with error=access_denied',
    apply: ({ on }, r) =>
      preset(r, on, { id: SWITCH_FAULT_IDS.denyConsent, endpoint: 'authorize', effect: { kind: 'oauth-error', error: 'access_denied', description: 'the user denied consent (deny-consent switch is on)' } }),
  }),
  'seed-refresh': sw({ schema: Token, example: '{"token":"my-refresh-token"}', does: 'make a refresh token valid for any client', apply: ({ token }, r) => (r.seedRefresh(token), 'seeded') }),
  reset: sw({ schema: Empty, example: '(no body)', does: 'back to the startup state: clients, tokens, switches, clock', apply: (_b, r) => (r.resetAuthServer(), 'reset') }),
};

const RS_SWITCHES: Record<string, Switch<z.ZodType>> = {
  'force-403': sw({
    schema: On,
    example: '{"on":true}',
    does: 'tool calls answer 403 insufficient_scope',
    apply: ({ on }, r) =>
      preset(r, on, {
        id: SWITCH_FAULT_IDS.force403,
        endpoint: 'mcp',
        rpcMethod: 'tools/call',
        effect: { kind: 'oauth-error', error: 'insufficient_scope', status: 403, description: 'the access token lacks the scope this tool needs (force-403 switch is on)' },
      }),
  }),
  reset: sw({ schema: Empty, example: '(no body)', does: "back to the MCP server's startup state", apply: (_b, r) => (r.resetResourceServer(), 'reset') }),
};

const bad = (description: string, status = 400) => jsonResponse({ error: 'invalid_request', error_description: description }, status);

function zodMessage(err: z.ZodError): string {
  return err.issues
    .map((i) => {
      const where = i.path.length ? `${i.path.join('.')}: ` : '';
      const keys = i.code === 'unrecognized_keys' ? ` (${(i as { keys: string[] }).keys.join(', ')})` : '';
      return `${where}${i.message}${keys}`;
    })
    .join('; ');
}

async function readJson(c: Ctx): Promise<{ ok: true; value: unknown } | { ok: false }> {
  const text = await c.req.text();
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Mounts /control/* on a server: its switches plus what both servers share (state, faults, events, clock). */
export function mountControl(app: Hono<AppEnv>, realm: Realm, server: ServerName): void {
  const switches = server === 'oauth' ? AS_SWITCHES : RS_SWITCHES;
  const paths = [...Object.keys(switches).map((k) => `POST /control/${k}`), 'GET /control/state', 'GET|POST|DELETE /control/faults', 'DELETE /control/faults/<id>', 'GET /control/events?since=<id>', 'GET|POST /control/clock'];
  const record = (c: Ctx, path: string, outcome: string, detail?: string, status = 200) => {
    c.get('note').silent = true;
    realm.events.record({ server, type: 'control', method: c.req.method, path, status, ms: 0, outcome, detail });
  };

  app.use('/control/*', async (c, next) => {
    const token = realm.config.controlToken;
    if (token) {
      const m = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '');
      if (!m || !safeEqual(m[1]!.trim(), token)) {
        c.get('note').outcome = 'control_unauthorized';
        return jsonResponse({ error: 'unauthorized', error_description: 'the control plane is locked: send Authorization: Bearer <CONTROL_TOKEN>' }, 401, { 'WWW-Authenticate': 'Bearer realm="control"' });
      }
    }
    await next();
  });

  for (const [name, s] of Object.entries(switches)) {
    app.post(`/control/${name}`, async (c) => {
      const body = await readJson(c);
      if (!body.ok) return bad(`body is not valid JSON; expected ${s.example}`);
      const parsed = s.schema.safeParse(body.value);
      if (!parsed.success) return bad(`${zodMessage(parsed.error)}; expected ${s.example}`);
      const outcome = s.apply(parsed.data, realm);
      record(c, `/control/${name}`, outcome);
      return jsonResponse(controlState(realm, server));
    });
  }

  app.get('/control/state', (c) => {
    c.get('note').silent = true;
    return jsonResponse(controlState(realm, server));
  });

  app.get('/control/events', (c) => {
    c.get('note').silent = true;
    const raw = c.req.query('since') ?? '0';
    if (!/^\d+$/.test(raw)) return bad('since must be a non-negative integer event id; expected /control/events?since=0');
    return jsonResponse({ events: realm.events.since(Number(raw)), lastId: realm.events.lastId });
  });

  const faultsView = () => ({ faults: realm.faults.list(), endpoints: ENDPOINTS, effects: EFFECT_CATALOGUE });
  app.get('/control/faults', (c) => {
    c.get('note').silent = true;
    return jsonResponse(faultsView());
  });
  app.post('/control/faults', async (c) => {
    const body = await readJson(c);
    const example = '{"endpoint":"token","grant":"refresh_token","effect":{"kind":"oauth-error","error":"temporarily_unavailable","status":503},"times":2}';
    if (!body.ok) return bad(`body is not valid JSON; expected a fault such as ${example}`);
    const parsed = FaultSpecSchema.safeParse(body.value);
    if (!parsed.success) return bad(`${zodMessage(parsed.error)}; expected a fault such as ${example}`);
    const fault = realm.faults.add(parsed.data);
    record(c, '/control/faults', `added ${fault.id}`, `${fault.endpoint} ${fault.effect.kind}${fault.remaining ? ` ×${fault.remaining}` : ' until removed'}`, 201);
    return jsonResponse({ fault, ...faultsView() }, 201);
  });
  app.delete('/control/faults', (c) => {
    realm.faults.clear();
    record(c, '/control/faults', 'cleared');
    return jsonResponse(faultsView());
  });
  app.delete('/control/faults/:id', (c) => {
    const id = c.req.param('id');
    if (!realm.faults.remove(id)) {
      c.get('note').outcome = 'not_found';
      return jsonResponse({ error: 'not_found', error_description: `no active fault ${JSON.stringify(id)}; GET /control/faults lists them` }, 404);
    }
    record(c, `/control/faults/${id}`, `removed ${id}`);
    return jsonResponse(faultsView());
  });

  const clockView = () => ({ offsetSeconds: realm.clock.offsetSeconds, now: new Date(realm.clock.now()).toISOString() });
  app.get('/control/clock', (c) => {
    c.get('note').silent = true;
    return jsonResponse(clockView());
  });
  app.post('/control/clock', async (c) => {
    const body = await readJson(c);
    if (!body.ok) return bad('body is not valid JSON; expected {"advance":3600}');
    const parsed = Advance.safeParse(body.value);
    if (!parsed.success) return bad(`${zodMessage(parsed.error)}; expected {"advance":3600} (seconds)`);
    realm.clock.advance(parsed.data.advance);
    record(c, '/control/clock', `advanced ${parsed.data.advance}s`);
    return jsonResponse(clockView());
  });

  const allow: Record<string, string> = { '/control/state': 'GET', '/control/events': 'GET', '/control/faults': 'GET, POST, DELETE', '/control/clock': 'GET, POST' };
  for (const name of Object.keys(switches)) allow[`/control/${name}`] = 'POST';
  app.all('/control/*', (c) => {
    const path = c.req.path.replace(/\/+$/, '');
    const allowed = allow[path] ?? (path.startsWith('/control/faults/') ? 'DELETE' : undefined);
    if (allowed) {
      c.get('note').outcome = 'method_not_allowed';
      return jsonResponse({ error: 'invalid_request', error_description: `method ${c.req.method} is not allowed on ${path}; use ${allowed}` }, 405, { Allow: allowed });
    }
    c.get('note').outcome = 'not_found';
    return jsonResponse({ error: 'not_found', error_description: `no control endpoint ${path} on the ${server === 'oauth' ? 'authorization' : 'MCP'} server; valid: ${paths.join(', ')}`, valid: paths }, 404);
  });
}
