import type { Hono } from 'hono';
import { z } from 'zod';
import type { ServerName } from '../events.js';
import { EFFECT_CATALOGUE, ENDPOINTS, FaultSpecSchema, FaultsFull, MAX_FAULTS, type Fault } from '../faults.js';
import { controlOriginAllowed, isSiblingOrigin } from '../http/cors.js';
import type { AppEnv } from '../pipeline/env.js';
import { PolicyPatchSchema } from '../policy.js';
import type { Realm } from '../realm.js';
import type { RealmUrls } from '../urls.js';
import { safeEqual } from '../secrets.js';
import type { RealmRegistry } from '../realms.js';
import { bad, controlJson, readJson, record, zodMessage } from './answers.js';
import { EXAM_ALLOW, EXAM_PATHS, mountExamRoutes } from './exam-routes.js';
import { KEY_PATHS, mountKeyRoutes } from './key-routes.js';
import { mountRealmRoutes, REALM_PATHS } from './realm-routes.js';
import { mountProfileRoutes, PROFILE_PATHS } from './profile-routes.js';
import type { EventStreams } from './event-stream.js';
import { hasSession } from './session.js';
import { controlState } from './state.js';
import { mountReportRoutes, REPORT_PATHS } from './report-routes.js';
import { APPLY, SwitchRefused } from './switches.js';
import { closest } from './did-you-mean.js';
import { ARGS, SWITCHES, SWITCH_ALIASES, SWITCH_NAMES, type SwitchName } from './switch-table.js';

/** One step forward; the realm's clock bounds the total (`clock.maxOffsetSeconds`). */
const Advance = z.object({ advance: z.number().int().positive() }).strict();

const servesOn = (name: SwitchName, server: ServerName) => {
  const on: string = SWITCHES[name].server;
  return on === 'both' || on === server;
};

/** Why a control path is unknown here: the other server serves it, it is an alias, or a near miss. */
function hint(urls: RealmUrls, server: ServerName, path: string, known: string[]): string {
  const name = path.slice('/control/'.length);
  const target = (SWITCH_ALIASES.get(name) ?? name) as SwitchName;
  const sw = SWITCHES[target] as (typeof SWITCHES)[SwitchName] | undefined;
  if (sw && !servesOn(target, server)) {
    const other = sw.server === 'oauth' ? { what: 'authorization', base: urls.issuer } : { what: 'MCP', base: urls.mcpBase };
    return `: ${target} is a switch of the ${other.what} server; POST ${other.base}/control/${target}`;
  }
  if (sw) return `; did you mean POST /control/${target}? (${name} is the scenario alias of that switch)`;
  const near = closest(name, known.map((k) => k.slice('/control/'.length)));
  return near === undefined ? '' : `; did you mean /control/${near}?`;
}

/** Mounts /control/* on a server: its switches plus what both servers share (state, policy, faults, events, clock). */
export function mountControl(app: Hono<AppEnv>, server: ServerName, realms?: RealmRegistry, streams?: EventStreams): void {
  const switches = SWITCH_NAMES.filter((n) => servesOn(n, server));
  const paths = [...switches.map((k) => `POST /control/${k}`), 'GET /control/state', 'GET|POST /control/policy', ...PROFILE_PATHS, 'GET|POST|DELETE /control/faults', 'DELETE /control/faults/<id>', 'GET /control/events?since=<id>', ...(streams ? ['GET /control/events/stream'] : []), ...REPORT_PATHS, 'GET|POST /control/clock', ...EXAM_PATHS, ...(server === 'oauth' ? KEY_PATHS : []), ...(realms ? REALM_PATHS : [])];

  app.use('/control/*', async (c, next) => {
    const realm = c.get('realm');
    // A browser page on another site (or another localhost port) must not read or flip the switches.
    const origin = c.req.header('origin');
    const own = new URL(server === 'oauth' ? c.get('urls').issuer : c.get('urls').mcpBase).origin;
    // In one process the MCP server's switches are written by the dashboard on the AS's origin.
    const sibling = server === 'mcp' && realms !== undefined && isSiblingOrigin(origin, [c.get('urls').issuer, realm.issuer]);
    if (!sibling && !controlOriginAllowed(origin, own, realm.config.allowedOrigins)) {
      const note = c.get('note');
      note.outcome = 'forbidden_origin';
      note.reason = `Origin ${origin}`;
      return controlJson(
        { error: 'forbidden_origin', error_description: `the control plane answers only its own origin (${own}) or one listed in ALLOWED_ORIGINS; Origin ${origin} is neither: add it to ALLOWED_ORIGINS (--allowed-origins) to allow it` },
        403,
      );
    }
    // Bodies are JSON or nothing: a form or text/plain body is what a cross-site page can send without a preflight.
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.req.method !== 'OPTIONS') {
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json' && (await c.req.text()) !== '') {
        const note = c.get('note');
        note.outcome = 'invalid_request';
        note.reason = `content-type ${type || '(none)'}`;
        return controlJson({ error: 'invalid_request', error_description: `a control body must be application/json (or empty), not ${type || 'a body without Content-Type'}; send -H content-type:application/json` }, 415);
      }
    }
    const token = realm.config.controlToken;
    if (token) {
      const m = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '');
      if ((!m || !safeEqual(m[1]!.trim(), token)) && !(m === null && hasSession(c.req.header('cookie'), token))) {
        c.get('note').outcome = 'control_unauthorized';
        // RFC 6750 §3.1: no credentials, no error code; a wrong token is invalid_token.
        const sent = m !== null;
        const description = sent ? 'wrong CONTROL_TOKEN: the control plane is locked' : 'the control plane is locked: send Authorization: Bearer <CONTROL_TOKEN>';
        const challenge = sent ? `Bearer realm="control", error="invalid_token", error_description="${description}"` : 'Bearer realm="control"';
        return controlJson(sent ? { error: 'invalid_token', error_description: description } : { error_description: description }, 401, { 'WWW-Authenticate': challenge });
      }
    }
    await next();
  });

  streams?.mount(app);
  if (realms) mountRealmRoutes(app, server, realms);
  mountReportRoutes(app);
  // The keys live with the AS that signs: the MCP server only fetches their public half.
  if (server === 'oauth') mountKeyRoutes(app);
  mountProfileRoutes(app, server);
  mountExamRoutes(app, server);

  for (const name of switches) {
    const { schema, example } = ARGS[SWITCHES[name].arg];
    app.post(`/control/${name}`, async (c) => {
      const body = await readJson(c);
      if (!body.ok) return bad(c, `${body.problem}; expected ${example}`);
      const parsed = schema.safeParse(body.value);
      if (!parsed.success) return bad(c, `${zodMessage(parsed.error)}; expected ${example}`);
      let outcome: string;
      try {
        outcome = await APPLY[name](parsed.data as Record<string, unknown>, c.get('realm'), server);
      } catch (err) {
        if (err instanceof FaultsFull) return bad(c, err.message, 429);
        if (err instanceof SwitchRefused) return bad(c, err.message, err.status);
        throw err;
      }
      record(c, server, name, `/control/${name}`, outcome);
      return controlJson(await controlState(c.get('realm'), server));
    });
  }

  app.get('/control/state', async (c) => {
    c.get('note').silent = true;
    return controlJson(await controlState(c.get('realm'), server));
  });

  app.get('/control/policy', (c) => {
    c.get('note').silent = true;
    return controlJson({ policy: c.get('realm').policy });
  });
  app.post('/control/policy', async (c) => {
    const body = await readJson(c);
    const example = '{"rotateRefreshTokens":true,"codeTtlSeconds":30}';
    if (!body.ok) return bad(c, `${body.problem}; expected a policy change such as ${example}`);
    const parsed = PolicyPatchSchema.safeParse(body.value);
    if (!parsed.success) return bad(c, `${zodMessage(parsed.error)}; expected a policy change such as ${example} (GET /control/policy shows every value)`);
    const realm = c.get('realm');
    try {
      realm.setPolicy(parsed.data);
    } catch (err) {
      if (err instanceof z.ZodError) return bad(c, `${zodMessage(err)}; GET /control/policy shows every value`);
      throw err;
    }
    record(c, server, 'policy', '/control/policy', 'changed', { reason: Object.keys(parsed.data).join(' ') });
    return controlJson({ policy: realm.policy });
  });

  app.get('/control/events', (c) => {
    c.get('note').silent = true;
    const raw = c.req.query('since') ?? '0';
    if (!/^\d+$/.test(raw)) return bad(c, 'since must be a non-negative integer event id; expected /control/events?since=0');
    const events = c.get('realm').events;
    return controlJson({ events: events.since(Number(raw)), lastId: events.lastId });
  });

  const faultsView = (realm: Realm) => ({ faults: realm.faults.list(), endpoints: ENDPOINTS, effects: EFFECT_CATALOGUE });
  /** What a change answers: the list in brief (no bodies, no catalogue), so n changes cost O(n) each and stay small. */
  const changeView = (realm: Realm) => ({ faults: realm.faults.summaries(), count: realm.faults.size, max: MAX_FAULTS });
  app.get('/control/faults', (c) => {
    c.get('note').silent = true;
    return controlJson(faultsView(c.get('realm')));
  });
  app.post('/control/faults', async (c) => {
    const body = await readJson(c);
    const example = '{"endpoint":"token","grant":"refresh_token","effect":{"kind":"oauth-error","error":"temporarily_unavailable","status":503},"times":2}';
    if (!body.ok) return bad(c, `${body.problem}; expected a fault such as ${example}`);
    const parsed = FaultSpecSchema.safeParse(body.value);
    if (!parsed.success) return bad(c, `${zodMessage(parsed.error)}; expected a fault such as ${example}`);
    // Ids the MCP server gives start with m: run apart, its f1 would be another fault than the AS's f1.
    let fault: Fault;
    try {
      fault = c.get('realm').faults.add(parsed.data, server === 'mcp' ? 'm' : 'f');
    } catch (err) {
      if (err instanceof FaultsFull) return bad(c, err.message, 429);
      throw err;
    }
    const reason = `${fault.endpoint} ${fault.effect.kind}${fault.remaining ? ` ×${fault.remaining}` : ' until removed'}`;
    record(c, server, 'faults', '/control/faults', `added ${fault.id}`, { reason, fault }, 201);
    return controlJson({ fault, ...changeView(c.get('realm')) }, 201);
  });
  app.delete('/control/faults', (c) => {
    c.get('realm').faults.clear();
    record(c, server, 'faults', '/control/faults', 'cleared');
    return controlJson(changeView(c.get('realm')));
  });
  app.delete('/control/faults/:id', (c) => {
    const id = c.req.param('id');
    const realm = c.get('realm');
    if (!realm.faults.remove(id)) {
      c.get('note').outcome = 'not_found';
      return controlJson({ error: 'not_found', error_description: `no active fault ${JSON.stringify(id)}; GET /control/faults lists them` }, 404);
    }
    record(c, server, 'faults', `/control/faults/${id}`, `removed ${id}`, { faultId: id });
    return controlJson(changeView(realm));
  });

  const clockView = (realm: Realm) => ({ offsetSeconds: realm.clock.offsetSeconds, now: new Date(realm.clock.now()).toISOString() });
  app.get('/control/clock', (c) => {
    c.get('note').silent = true;
    return controlJson(clockView(c.get('realm')));
  });
  app.post('/control/clock', async (c) => {
    const body = await readJson(c);
    if (!body.ok) return bad(c, `${body.problem}; expected {"advance":3600}`);
    const parsed = Advance.safeParse(body.value);
    if (!parsed.success) return bad(c, `${zodMessage(parsed.error)}; expected {"advance":3600} (seconds)`);
    const clock = c.get('realm').clock;
    if (!clock.canAdvance(parsed.data.advance)) {
      const max = clock.maxOffsetSeconds;
      const room = max - clock.offsetSeconds;
      return bad(c, `advance: the clock's total offset is bounded to ${max} s (100 years); it is at ${clock.offsetSeconds} s, so at most ${room} s more (POST /control/reset sets it back to 0)`);
    }
    clock.advance(parsed.data.advance);
    record(c, server, 'clock', '/control/clock', `advanced ${parsed.data.advance}s`);
    return controlJson(clockView(c.get('realm')));
  });

  const allow: Record<string, string> = { '/control/state': 'GET', '/control/policy': 'GET, POST', '/control/profile': 'GET, POST', '/control/events': 'GET', '/control/report': 'GET', '/control/faults': 'GET, POST, DELETE', '/control/clock': 'GET, POST' };
  for (const name of switches) allow[`/control/${name}`] = 'POST';
  Object.assign(allow, EXAM_ALLOW);
  if (streams) allow['/control/events/stream'] = 'GET';
  if (realms) allow['/control/realms'] = 'GET, POST';
  if (server === 'oauth') Object.assign(allow, { '/control/keys': 'GET', '/control/keys/rotate': 'POST' });
  app.all('/control/*', (c) => {
    const path = c.req.path.replace(/\/+$/, '');
    // A trailing slash names no endpoint of ours: 404 with the path it probably meant (never a 405 naming the very method used).
    if (path !== c.req.path) {
      c.get('note').outcome = 'not_found';
      const meant = allow[path] ? ` (did you mean ${allow[path]!.split(', ').join('|')} ${path}, without the trailing slash?)` : '';
      return controlJson({ error: 'not_found', error_description: `no control endpoint ${c.req.path} on the ${server === 'oauth' ? 'authorization' : 'MCP'} server${meant}; valid: ${paths.join(', ')}`, valid: paths }, 404);
    }
    const allowed = allow[path] ?? (path.startsWith('/control/faults/') || (realms && path.startsWith('/control/realms/')) ? 'DELETE' : undefined);
    if (allowed) {
      c.get('note').outcome = 'method_not_allowed';
      return controlJson({ error: 'invalid_request', error_description: `method ${c.req.method} is not allowed on ${path}; use ${allowed}` }, 405, { Allow: allowed });
    }
    c.get('note').outcome = 'not_found';
    return controlJson({ error: 'not_found', error_description: `no control endpoint ${path} on the ${server === 'oauth' ? 'authorization' : 'MCP'} server${hint(c.get('urls'), server, path, Object.keys(allow))}; valid: ${paths.join(', ')}`, valid: paths }, 404);
  });
}
