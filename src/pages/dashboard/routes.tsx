import type { Hono } from 'hono';
import type { JSX } from 'hono/jsx/jsx-runtime';
import { lineage } from '../../control/lineage.js';
import { endedSessionCookie, hasSession, sessionCookie } from '../../control/session.js';
import { controlState } from '../../control/state.js';
import { controlOriginAllowed } from '../../http/cors.js';
import { jsonResponse } from '../../http/oauth-error.js';
import type { AppEnv, Ctx } from '../../pipeline/env.js';
import { MAIN_REALM_ID, type RealmRegistry } from '../../realms.js';
import { safeEqual } from '../../secrets.js';
import { DASHBOARD_CSS } from './style.js';
import { DASHBOARD_JS } from './script.js';
import { FaultList } from './faults-panel.js';
import { pageHeaders } from './layout.js';
import { LineageList } from './lineage-panel.js';
import { LoginPage } from './login.js';
import { DashboardPage, type DashboardView } from './page.js';
import { RealmList } from './realms-panel.js';
import { rootJson } from './root-json.js';
import { StateList } from './state-panel.js';

const pathOf = (url: string) => new URL(url).pathname.replace(/\/$/, '');

/** A browser asking for a page (a navigation sends `text/html` first); curl and JSON clients do not. */
const wantsHtml = (c: Ctx) => /\btext\/html\b/i.test(c.req.header('accept') ?? '');

/** CONTROL_TOKEN unset, or the Bearer token, or this browser's session cookie. */
function authorized(c: Ctx): boolean {
  const token = c.get('realm').config.controlToken;
  if (!token) return true;
  const m = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '');
  if (m) return safeEqual(m[1]!.trim(), token);
  return hasSession(c.req.header('cookie'), token);
}

/** The control plane's origin rule, for the dashboard's own requests (a page on another port must not read it). */
function foreignOrigin(c: Ctx): boolean {
  return !controlOriginAllowed(c.req.header('origin'), new URL(c.get('urls').issuer).origin, c.get('realm').config.allowedOrigins);
}

async function render(node: JSX.Element): Promise<string> {
  return `<!doctype html>${await node.toString()}`;
}

/**
 * The dashboard on the authorization server: `GET /` (and `/r/<id>/`) as a page for browsers and as
 * JSON for everyone else, its script and style, the CONTROL_TOKEN login, and the fragments the script
 * refreshes in place. Reads are not events (like control reads): the page's own refreshes would
 * otherwise feed the stream they follow. Writes go to the control routes themselves.
 */
export function mountDashboard(app: Hono<AppEnv>, registry?: RealmRegistry): void {
  const realmIdOf = (c: Ctx): string => {
    const realm = c.get('realm');
    if (!registry || realm === registry.main) return MAIN_REALM_ID;
    return registry.list().find((r) => registry.get(r.id) === realm)?.id ?? '?';
  };
  const rootOf = (c: Ctx): string => (registry ? pathOf(registry.main.hosts.for('oauth', c.req.header('host')).issuer) : pathOf(c.get('urls').issuer));
  const mcpOrigin = (c: Ctx) => new URL(c.get('urls').mcpBase).origin;
  const html = (c: Ctx, body: string, status = 200, extra: Record<string, string> = {}) => new Response(body, { status, headers: { ...pageHeaders(mcpOrigin(c)), ...extra } });
  const refused = (c: Ctx) => jsonResponse({ error: 'forbidden_origin', error_description: `the dashboard answers only its own origin (${new URL(c.get('urls').issuer).origin}) or one listed in ALLOWED_ORIGINS` }, 403);
  const secure = (c: Ctx) => c.get('urls').issuer.startsWith('https:');

  async function view(c: Ctx): Promise<DashboardView> {
    const realm = c.get('realm');
    const urls = c.get('urls');
    const onMain = !registry || realm === registry.main;
    const events = realm.events.since(0);
    return {
      base: pathOf(urls.issuer),
      root: rootOf(c),
      issuer: urls.issuer,
      mcpUrl: urls.resource,
      mcpControl: urls.mcpBase,
      mcpSibling: registry !== undefined,
      realmId: realmIdOf(c),
      locked: Boolean(realm.config.controlToken),
      state: await controlState(realm, 'oauth'),
      events,
      faults: realm.faults.list(),
      grants: lineage(events),
      ...(onMain && registry ? { realms: { list: registry.list(), max: registry.max } } : {}),
    };
  }

  app.get('/', async (c) => {
    c.get('note').silent = true;
    const urls = c.get('urls');
    if (!wantsHtml(c)) {
      const realms = `${registry ? registry.main.hosts.for('oauth', c.req.header('host')).issuer : urls.issuer}/control/realms`;
      return jsonResponse(rootJson(urls, realmIdOf(c), realms), 200, { 'Cache-Control': 'no-store' });
    }
    if (foreignOrigin(c)) return refused(c);
    if (!authorized(c)) {
      c.get('note').outcome = 'control_unauthorized';
      return html(c, await render(<LoginPage base={pathOf(urls.issuer)} wrong={false} />), 401);
    }
    return html(c, await render(<DashboardPage view={await view(c)} />));
  });

  app.get('/dashboard.js', (c) => {
    c.get('note').silent = true;
    return new Response(DASHBOARD_JS, { headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' } });
  });
  app.get('/dashboard.css', (c) => {
    c.get('note').silent = true;
    return new Response(DASHBOARD_CSS, { headers: { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' } });
  });

  /** A form post of the token: the cookie is set only when it is right, and only for our own origin's page. */
  app.post('/dashboard/login', async (c) => {
    const base = pathOf(c.get('urls').issuer);
    if (foreignOrigin(c)) return refused(c);
    const token = c.get('realm').config.controlToken;
    if (!token) return c.redirect(`${base}/`, 303);
    const form = new URLSearchParams(await c.req.text());
    const given = form.get('token') ?? '';
    if (!safeEqual(given, token)) {
      const note = c.get('note');
      note.outcome = 'control_unauthorized';
      note.reason = 'wrong CONTROL_TOKEN at the dashboard login';
      return html(c, await render(<LoginPage base={base} wrong />), 401);
    }
    c.get('note').silent = true;
    return new Response(null, { status: 303, headers: { Location: `${base}/`, 'Set-Cookie': sessionCookie(token, secure(c)), 'Cache-Control': 'no-store' } });
  });
  app.post('/dashboard/logout', (c) => {
    c.get('note').silent = true;
    if (foreignOrigin(c)) return refused(c);
    const base = pathOf(c.get('urls').issuer);
    return new Response(null, { status: 303, headers: { Location: `${base}/`, 'Set-Cookie': endedSessionCookie(secure(c)), 'Cache-Control': 'no-store' } });
  });

  app.get('/dashboard/panel/:name', async (c) => {
    c.get('note').silent = true;
    if (foreignOrigin(c)) return refused(c);
    if (!authorized(c)) return jsonResponse({ error_description: 'the dashboard is locked: log in at its page first' }, 401);
    const realm = c.get('realm');
    const base = pathOf(c.get('urls').issuer);
    const name = c.req.param('name');
    let node: JSX.Element;
    if (name === 'state') node = <StateList state={await controlState(realm, 'oauth')} />;
    else if (name === 'faults') node = <FaultList faults={realm.faults.list()} url={`${base}/control/faults`} />;
    else if (name === 'lineage') node = <LineageList grants={lineage(realm.events.since(0))} />;
    else if (name === 'realms' && registry && realm === registry.main) node = <RealmList realms={registry.list()} max={registry.max} url={`${rootOf(c)}/control/realms`} root={rootOf(c)} />;
    else return jsonResponse({ error: 'not_found', error_description: `no dashboard panel ${JSON.stringify(name)}; panels: state, faults, lineage, realms (on the default realm)` }, 404);
    return html(c, String(await node.toString()));
  });
}
