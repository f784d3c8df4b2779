import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { get } from '../support/control.js';
import { form } from '../support/http.js';
import { makeAS, start } from '../support/servers.js';

const html = { accept: 'text/html' };

describe('the dashboard routes without a browser', () => {
  let s: RunningServers;
  beforeAll(async () => {
    s = await start({ controlToken: 'routes-secret' });
    await s.createRealm({ id: 'page-realm' });
  });
  afterAll(() => s?.close());
  const login = (body: string, headers: Record<string, string> = {}) => fetch(`${s.oauthUrl}/dashboard/login`, { ...form(body, headers), redirect: 'manual' });

  it("a realm's root names that realm, in JSON and on its page; its realms link goes to the default realm", async () => {
    const j = await get(`${s.oauthUrl}/r/page-realm`, '/');
    expect(j.json).toMatchObject({ realm: 'page-realm', issuer: `${s.oauthUrl}/r/page-realm`, mcp: `${new URL(s.mcpUrl).origin}/r/page-realm/mcp`, control: { realms: `${s.oauthUrl}/control/realms` } });
    const page = await fetch(`${s.oauthUrl}/r/page-realm/`, { headers: { ...html, authorization: 'Bearer routes-secret' } });
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('realm page-realm');
    expect(text).toContain('src="/r/page-realm/dashboard.js"');
    expect(text).toContain('data-url="/r/page-realm/control/faults"');
  });

  it('login: a wrong token is 401 with the form again and no cookie; another origin is 403; the right one is 303 with the cookie', async () => {
    const wrong = await login('token=nope', { origin: new URL(s.oauthUrl).origin });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.text()).toContain('Wrong CONTROL_TOKEN.');
    const foreign = await login('token=routes-secret', { origin: 'http://localhost:1234' });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('set-cookie')).toBeNull();
    expect((await foreign.json()).error).toBe('forbidden_origin');
    for (const junk of ['', 'token=', 'token=%ZZ', '&&&', `token=${'x'.repeat(5000)}`]) {
      const res = await login(junk);
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    const ok = await login('token=routes-secret');
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/');
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^control_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict$/);
    // The cookie opens the page, a panel and the control plane of both servers; a forged one opens nothing.
    const session = { cookie: cookie.split(';')[0]! };
    expect((await fetch(`${s.oauthUrl}/`, { headers: { ...html, ...session } })).status).toBe(200);
    expect((await get(s.oauthUrl, '/dashboard/panel/state', session)).status).toBe(200);
    expect((await get(s.oauthUrl, '/control/state', session)).status).toBe(200);
    expect((await get(new URL(s.mcpUrl).origin, '/control/state', session)).status).toBe(200);
    const forged = { cookie: 'control_session=routes-secret' };
    expect((await get(s.oauthUrl, '/control/state', forged)).status).toBe(401);
    expect((await fetch(`${s.oauthUrl}/`, { headers: { ...html, ...forged } })).status).toBe(401);
    // A wrong Bearer header is not rescued by a good cookie: what was sent is judged.
    expect((await get(s.oauthUrl, '/control/state', { ...session, authorization: 'Bearer nope' })).status).toBe(401);
  });

  it('log out clears the cookie', async () => {
    const res = await fetch(`${s.oauthUrl}/dashboard/logout`, { method: 'POST', redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toBe('control_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
  });

  it('an unknown panel is a JSON 404 naming the panels; a locked panel is 401', async () => {
    const bearer = { authorization: 'Bearer routes-secret' };
    const unknown = await get(s.oauthUrl, '/dashboard/panel/nope', bearer);
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ error: 'not_found', error_description: 'no dashboard panel "nope"; panels: state, faults, lineage, realms (on the default realm)' });
    expect((await get(`${s.oauthUrl}/r/page-realm`, '/dashboard/panel/realms', bearer)).status).toBe(404);
    expect((await get(s.oauthUrl, '/dashboard/panel/state')).status).toBe(401);
  });
});

describe('in process (createAuthServer, no realms)', () => {
  it('serves the page, its script and style, and JSON at the root', async () => {
    const as = makeAS();
    try {
      const page = await as.req('/', { headers: html });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('id="switches"');
      const js = await as.req('/dashboard.js');
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      // It parses as a script.
      const source = await js.text();
      expect(() => new Function(source)).not.toThrow();
      expect((await as.req('/dashboard.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
      const root = await as.req('/');
      expect(((await root.json()) as { issuer: string }).issuer).toBe('http://localhost:9100');
    } finally {
      as.realm.close();
    }
  });
});
