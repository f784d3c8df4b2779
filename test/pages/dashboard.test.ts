import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { launchBrowser } from '../support/browser.js';
import { get, post } from '../support/control.js';
import { obtainTokens, refreshGrant, refreshGrantParams, tokenRequest } from '../support/oauth.js';
import { rsBase, start } from '../support/servers.js';
import { until } from '../support/until.js';
import { connectWithConsentV2 } from '../support/v2-client.js';

let browser: Browser;
let s: RunningServers;
let context: BrowserContext;
beforeAll(async () => {
  [browser, s] = await Promise.all([launchBrowser(), start()]);
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});
afterEach(async () => {
  await context?.close();
  for (const r of s.realms.list()) s.realms.delete(r.id);
  await post(s.oauthUrl, '/control/reset');
});

/** The dashboard in a fresh browser context (no cookies from another test), its event stream connected. */
async function dashboard(url = `${s.oauthUrl}/`): Promise<Page> {
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(m.text());
  });
  (page as Page & { problems: string[] }).problems = problems;
  const res = await page.goto(url);
  expect(res?.status()).toBe(200);
  await page.locator('#stream-status', { hasText: 'live' }).waitFor();
  return page;
}
const problemsOf = (page: Page) => (page as Page & { problems: string[] }).problems;
const state = async (base = s.oauthUrl) => (await get(base, '/control/state')).json;

describe('GET / on the authorization server', () => {
  it('answers JSON clients with what the server is and where everything lives, never cached', async () => {
    for (const accept of ['application/json', '*/*', undefined]) {
      const res = await get(s.oauthUrl, '/', accept ? { accept } : {});
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.json).toMatchObject({
        server: 'mcp-oauth-test-server',
        realm: 'default',
        issuer: s.oauthUrl,
        mcp: s.mcpUrl,
        discovery: { authorizationServer: [`${s.oauthUrl}/.well-known/oauth-authorization-server`], protectedResource: `${rsBase(s)}/.well-known/oauth-protected-resource/mcp` },
        control: { state: `${s.oauthUrl}/control/state`, eventStream: `${s.oauthUrl}/control/events/stream`, realms: `${s.oauthUrl}/control/realms` },
      });
      expect(res.json.control.switches['force-403']).toBe(`POST ${rsBase(s)}/control/force-403`);
    }
  });

  it("the MCP server's root sends a browser to the dashboard (a realm's to its own); JSON clients keep the 404", async () => {
    const res = await fetch(`${rsBase(s)}/`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${s.oauthUrl}/`);
    await s.createRealm({ id: 'root-link' });
    const realm = await fetch(`${rsBase(s)}/r/root-link/`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(realm.headers.get('location')).toBe(`${s.oauthUrl}/r/root-link/`);
    expect((await get(rsBase(s), '/')).status).toBe(404);
  });

  it('answers a browser with the page: strict CSP, no framing, no caching, and reading it is no event', async () => {
    const before = s.realm.events.lastId;
    const res = await fetch(`${s.oauthUrl}/`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(await res.text()).toMatch(/^<!doctype html>/);
    expect(s.realm.events.lastId).toBe(before);
  });
});

describe('the dashboard in Chromium', () => {
  it('renders every switch of the table, keyboard-first, and runs with no script error', async () => {
    const page = await dashboard();
    const names = await page.locator('form.switch').evaluateAll((forms) => forms.map((f) => (f as HTMLElement).dataset.switch));
    const { SWITCH_NAMES } = await import('../../src/control/switch-table.js');
    expect(names).toEqual(SWITCH_NAMES);
    // Each control has its label (the switch's name).
    for (const name of SWITCH_NAMES) expect(await page.getByLabel(name, { exact: true }).count()).toBe(1);
    expect(problemsOf(page)).toEqual([]);
  });

  it('a toggle changes the next request: invalid-grant on (Space on the focused checkbox) → the next refresh is 400 invalid_grant', async () => {
    const page = await dashboard();
    const { clientId, tokens } = await obtainTokens(s.oauthUrl);
    await page.focus('#sw-invalid-grant');
    await page.keyboard.press('Space');
    await page.locator('form[data-switch="invalid-grant"] output', { hasText: '✓ invalid-grant' }).waitFor();
    expect((await state()).switches['invalid-grant']).toBe(true);
    const refused = await refreshGrant(s.oauthUrl, clientId, tokens.refresh_token!);
    expect(refused.status).toBe(400);
    expect(refused.json.error).toBe('invalid_grant');
    // Off again from the page: the same refresh token works.
    await page.keyboard.press('Space');
    await until(async () => (await state()).switches['invalid-grant'] === false, 'invalid-grant off');
    expect((await refreshGrant(s.oauthUrl, clientId, tokens.refresh_token!)).status).toBe(200);
  });

  it("writes the MCP server's switches on its own origin: the era selector and force-403", async () => {
    const page = await dashboard();
    await page.selectOption('#sw-era', 'modern');
    await page.locator('form[data-switch="era"] output', { hasText: '✓ era' }).waitFor();
    expect((await state(rsBase(s))).switches.era).toBe('modern');
    await page.check('#sw-force-403');
    await page.locator('form[data-switch="force-403"] output', { hasText: '✓ force-403' }).waitFor();
    expect((await state(rsBase(s))).switches['force-403']).toBe(true);
    // A refused value shows the server's words.
    await page.fill('#sw-expires-in', '0');
    await page.press('#sw-expires-in', 'Enter');
    const out = page.locator('form[data-switch="expires-in"] output.error');
    await out.waitFor();
    expect(await out.textContent()).toMatch(/^HTTP 400: seconds: .*expected \{"seconds":5\}$/);
  });

  it('events appear live, newest first, while the SDK v2 client connects and calls a tool', async () => {
    const page = await dashboard();
    const c = await connectWithConsentV2(s.mcpUrl);
    try {
      await c.client.callTool({ name: 'echo', arguments: { message: 'hi' } });
      const list = page.locator('#event-list');
      const since = Number(await list.getAttribute('data-since'));
      const live = list.locator('li').filter({ has: page.locator('code') });
      await live.filter({ hasText: '[mcp] POST /mcp tools/call echo → ok 200' }).first().waitFor();
      // Each of them came over the stream: newer than the page.
      for (const line of ['[oauth] POST /register → ok 201', '[oauth] POST /token authorization_code → ok 200', '[mcp] POST /mcp tools/call echo → ok 200']) {
        const id = Number(await live.filter({ hasText: line }).first().getAttribute('data-id'));
        expect(id).toBeGreaterThan(since);
      }
      const ids = await list.locator('li').evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset.id)));
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      // The state panel follows too.
      await page.locator('dd[data-key="tool calls"]', { hasText: '1' }).waitFor();
    } finally {
      await c.client.close();
    }
  });

  it('a fault added in the editor strikes the next request, then leaves the list; delete removes one', async () => {
    const page = await dashboard();
    const { clientId, tokens } = await obtainTokens(s.oauthUrl);
    await page.fill('#fault-json', '{"endpoint":"token","grant":"refresh_token","effect":{"kind":"oauth-error","error":"temporarily_unavailable","status":503},"times":1}');
    await page.click('#fault-form button[type=submit]');
    await page.locator('#fault-result', { hasText: /^added f\d+$/ }).waitFor();
    await page.locator('.faults li', { hasText: 'oauth-error' }).waitFor();
    const struck = await refreshGrant(s.oauthUrl, clientId, tokens.refresh_token!);
    expect(struck.status).toBe(503);
    expect(struck.json.error).toBe('temporarily_unavailable');
    await page.locator('.fragment[data-panel="faults"] .empty', { hasText: 'No active faults.' }).waitFor();

    await page.fill('#fault-json', '{"endpoint":"register","effect":{"kind":"oauth-error","error":"invalid_client_metadata"}}');
    await page.click('#fault-form button[type=submit]');
    const row = page.locator('.faults li', { hasText: 'register' });
    await row.waitFor();
    await row.locator('button.delete-fault').click();
    await page.locator('#fault-result', { hasText: 'deleted' }).waitFor();
    await row.waitFor({ state: 'detached' });
    expect((await get(s.oauthUrl, '/control/faults')).json.faults).toEqual([]);
  });

  it("a bad fault shows the server's 400 verbatim and adds nothing", async () => {
    const page = await dashboard();
    const bad = '{"endpoint":"tokn","effect":{"kind":"oauth-error"}}';
    const direct = await post(s.oauthUrl, '/control/faults', bad);
    expect(direct.status).toBe(400);
    await page.fill('#fault-json', bad);
    await page.click('#fault-form button[type=submit]');
    const out = page.locator('#fault-result.error');
    await out.waitFor();
    expect(await out.textContent()).toBe(`HTTP 400: ${direct.json.error_description}`);
    await page.fill('#fault-json', '{not json');
    await page.click('#fault-form button[type=submit]');
    await page.locator('#fault-result.error', { hasText: 'HTTP 400: ' }).filter({ hasNotText: direct.json.error_description }).waitFor();
    expect((await get(s.oauthUrl, '/control/faults')).json.faults).toEqual([]);
  });

  it("realms: created from the page, each with its own dashboard, ended from the page", async () => {
    const page = await dashboard();
    await page.fill('#realm-id', 'ui-realm');
    await page.press('#realm-id', 'Enter');
    await page.locator('#realm-result', { hasText: 'created ui-realm' }).waitFor();
    expect(s.realms.get('ui-realm')).toBeDefined();
    const link = page.locator('.realms li[data-realm="ui-realm"] a');
    await link.click();
    await page.waitForURL(`${s.oauthUrl}/r/ui-realm/`);
    await page.locator('h1 .realm', { hasText: 'realm ui-realm' }).waitFor();
    await page.locator('#stream-status', { hasText: 'live' }).waitFor();
    // That page's switches are the realm's: the default realm is untouched.
    await page.check('#sw-rotate');
    await page.locator('form[data-switch="rotate"] output', { hasText: '✓ rotate' }).waitFor();
    expect((await get(`${s.oauthUrl}/r/ui-realm`, '/control/state')).json.switches.rotate).toBe(true);
    expect((await state()).switches.rotate).toBe(false);
    await page.goBack();
    await page.locator('.realms li[data-realm="ui-realm"] button.delete-realm').click();
    await page.locator('#realm-result', { hasText: 'ended ui-realm' }).waitFor();
    await page.locator('.realms li[data-realm="ui-realm"]').waitFor({ state: 'detached' });
    expect(s.realms.get('ui-realm')).toBeUndefined();
    // A name the registry refuses: its 400, verbatim.
    await page.fill('#realm-id', 'UPPER');
    await page.press('#realm-id', 'Enter');
    await page.locator('#realm-result.error', { hasText: 'HTTP 400: id' }).waitFor();
  });

  it('lineage: a grant shows its code, tokens, a refresh, a rotation and the reuse that ended it', async () => {
    const page = await dashboard();
    const { clientId, tokens } = await obtainTokens(s.oauthUrl);
    const refreshed = await refreshGrant(s.oauthUrl, clientId, tokens.refresh_token!);
    expect(refreshed.status).toBe(200);
    await page.check('#sw-rotate');
    await page.locator('form[data-switch="rotate"] output', { hasText: '✓ rotate' }).waitFor();
    expect((await refreshGrant(s.oauthUrl, clientId, tokens.refresh_token!)).status).toBe(200);
    expect((await refreshGrant(s.oauthUrl, clientId, tokens.refresh_token!)).json.error).toBe('invalid_grant');
    const grant = page.locator('.grant', { hasText: clientId });
    await grant.locator('.step[data-kind="reuse"]').waitFor();
    expect(await grant.locator('.step').evaluateAll((steps) => steps.map((s) => (s as HTMLElement).dataset.kind))).toEqual(['code', 'tokens', 'refresh', 'rotation', 'reuse']);
    expect(await grant.locator('.end').textContent()).toBe('ended: reuse');
  });

  it('what clients send renders as text: markup in a refused request is shown, never run', async () => {
    const page = await dashboard();
    const { clientId, tokens } = await obtainTokens(s.oauthUrl);
    // Printable ASCII without spaces or quotes passes the scope syntax, so the refusal quotes it (RFC 6749 §3.3).
    const evil = '<img/src=x/onerror=window.__pwned=1>';
    const refused = await tokenRequest(s.oauthUrl, refreshGrantParams(clientId, tokens.refresh_token!, { scope: evil }));
    expect(refused.status).toBe(400);
    expect(refused.json.error_description).toContain(evil);
    await page.locator('#event-list li', { hasText: evil }).first().waitFor();
    await page.reload();
    await page.locator('#event-list li', { hasText: evil }).first().waitFor();
    await page.locator('.step[data-kind="refused"]').first().waitFor();
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('main img').count()).toBe(0);
  });

  it("the report card shows a broken client's failure live: a client that never sends resource (RFC 8707)", async () => {
    const page = await dashboard();
    await page.locator('#report-body', { hasText: 'No clients yet.' }).waitFor();
    // Registers, authorizes and redeems with no `resource` anywhere: a MUST of MCP authorization broken twice.
    const { clientId } = await obtainTokens(s.oauthUrl);
    const row = (id: string) => page.locator('#report-body .report-client', { hasText: clientId }).locator('tr.check', { hasText: id });
    await row('resource-parameter-in-authorization').locator('.status-FAILURE').waitFor();
    await row('resource-parameter-in-token').locator('.status-FAILURE').waitFor();
    await row('pkce-s256-method-used').locator('.status-SUCCESS').waitFor();
    // What the page shows is what the card says.
    const card = (await get(s.oauthUrl, `/control/report?client_id=${encodeURIComponent(clientId)}`)).json as Array<{ id: string; status: string }>;
    const shown = await page.locator('#report-body .report-client', { hasText: clientId }).locator('tr.check').evaluateAll((rows) => (rows as HTMLTableRowElement[]).map((r) => [r.cells[1]!.textContent, r.cells[0]!.textContent]));
    expect(shown).toEqual(card.map((c) => [c.id, c.status]));
    expect(problemsOf(page)).toEqual([]);
  });

  it('the profile selectors switch the spec preset and the persona, and show the active one', async () => {
    const page = await dashboard();
    await page.locator('#profile-status', { hasText: 'spec 2026-07-28 · persona (none)' }).waitFor();
    expect(await page.locator('#profile-spec option').allTextContents()).toEqual(['2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28']);
    await page.selectOption('#profile-spec', '2025-06-18');
    await page.selectOption('#profile-persona', 'github');
    await page.click('#profile-form button[type="submit"]');
    await page.locator('#profile-status', { hasText: 'spec 2025-06-18 · persona github' }).waitFor();
    const profile = (await get(s.oauthUrl, '/control/profile')).json;
    expect([profile.spec, profile.persona]).toEqual(['2025-06-18', 'github']);
    expect(profile.sources.dynamicRegistration).toBe('persona:github');
    // And back to none: the empty choice is `null`.
    await page.selectOption('#profile-persona', '');
    await page.click('#profile-form button[type="submit"]');
    await page.locator('#profile-status', { hasText: 'spec 2025-06-18 · persona (none)' }).waitFor();
    expect((await get(s.oauthUrl, '/control/profile')).json.persona).toBeNull();
    expect(problemsOf(page)).toEqual([]);
  });
});

describe('cross-origin writes', () => {
  let elsewhere: http.Server;
  let elsewhereUrl: string;
  beforeAll(async () => {
    elsewhere = http.createServer((_req, res) => res.end('<!doctype html><title>another site</title>'));
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => elsewhere.close(() => r())));

  it("a page on another origin cannot flip either server's switches, with JSON or a simple request", async () => {
    context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(elsewhereUrl);
    const tried = await page.evaluate(
      async ([as, rs]) => {
        const out: string[] = [];
        for (const [url, body] of [[`${as}/control/rotate`, '{"on":true}'], [`${rs}/control/force-403`, '{"on":true}']] as const) {
          await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
            (r) => out.push(`read ${r.status}`),
            () => out.push('refused'),
          );
          await fetch(url, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body }).then(
            () => out.push('sent blind'),
            () => out.push('refused'),
          );
        }
        return out;
      },
      [s.oauthUrl, rsBase(s)],
    );
    expect(tried.filter((t) => t.startsWith('read'))).toEqual([]);
    const st = await state();
    expect(st.switches.rotate).toBe(false);
    expect(st.switches['force-403']).toBe(false);
    expect(s.realm.events.since(0).filter((e) => e.outcome === 'forbidden_origin').length).toBeGreaterThanOrEqual(2);
    // Its page cannot read the dashboard's fragments either.
    const read = await page.evaluate((as) => fetch(`${as}/dashboard/panel/state`).then((r) => r.status, () => 'refused'), s.oauthUrl);
    expect(read).toBe('refused');
  });
});

describe('behind CONTROL_TOKEN', () => {
  const TOKEN = 'dashboard-secret-token';
  let locked: RunningServers;
  beforeAll(async () => {
    locked = await start({ controlToken: TOKEN });
  });
  afterAll(() => locked?.close());

  it('without it the page and the stream are refused; JSON clients still learn the URLs', async () => {
    const page = await fetch(`${locked.oauthUrl}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(401);
    const html = await page.text();
    expect(html).toContain('The control plane is locked');
    expect(html).not.toContain('id="switches"');
    expect((await get(locked.oauthUrl, '/control/events/stream')).status).toBe(401);
    expect((await get(locked.oauthUrl, '/dashboard/panel/state')).status).toBe(401);
    expect((await get(locked.oauthUrl, '/')).json.issuer).toBe(locked.oauthUrl);
  });

  it('the token once in a form: an HttpOnly SameSite=Strict session cookie, never the token in a URL; page, stream and writes work; log out locks again', async () => {
    context = await browser.newContext();
    const page = await context.newPage();
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    expect((await page.goto(`${locked.oauthUrl}/`))?.status()).toBe(401);
    await page.fill('#token', 'wrong-token');
    await page.press('#token', 'Enter');
    await page.locator('[role=alert]', { hasText: 'Wrong CONTROL_TOKEN.' }).waitFor();
    expect(await context.cookies()).toEqual([]);
    await page.fill('#token', TOKEN);
    await page.press('#token', 'Enter');
    await page.locator('#stream-status', { hasText: 'live' }).waitFor();
    expect(page.url()).toBe(`${locked.oauthUrl}/`);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'control_session', httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie!.value).not.toContain(TOKEN);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    // Writes on both servers, with the cookie (the MCP server's on its own origin).
    await page.check('#sw-rotate');
    await page.locator('form[data-switch="rotate"] output', { hasText: '✓ rotate' }).waitFor();
    await page.check('#sw-force-403');
    await page.locator('form[data-switch="force-403"] output', { hasText: '✓ force-403' }).waitFor();
    const bearer = { authorization: `Bearer ${TOKEN}` };
    const st = (await get(locked.oauthUrl, '/control/state', bearer)).json;
    expect(st.switches).toMatchObject({ rotate: true, 'force-403': true });
    await page.locator('#event-list li', { hasText: 'control POST /control/force-403 → on' }).waitFor();
    expect(urls.filter((u) => u.includes(TOKEN))).toEqual([]);
    await post(locked.oauthUrl, '/control/reset', undefined, bearer);

    await page.click('form.logout button');
    await page.locator('#token').waitFor();
    expect(await context.cookies()).toEqual([]);
  });
});

describe('the screenshot', () => {
  it('writes docs/screenshots/dashboard.png: a fixed viewport, the same story every run', async () => {
    const shot = await start({ oauthBaseUrl: 'http://localhost:9100', mcpBaseUrl: 'http://localhost:9101' });
    const as = `http://127.0.0.1:${shot.ports.oauth}`;
    try {
      const { clientId, tokens } = await obtainTokens(as);
      await refreshGrant(as, clientId, tokens.refresh_token!);
      await post(as, '/control/rotate', '{"on":true}');
      await refreshGrant(as, clientId, tokens.refresh_token!);
      await refreshGrant(as, clientId, tokens.refresh_token!);
      await post(as, '/control/faults', '{"endpoint":"token","grant":"refresh_token","effect":{"kind":"oauth-error","error":"temporarily_unavailable","status":503},"times":2}');
      await post(as, '/control/realms', '{"id":"suite-a"}');
      context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
      const page = await context.newPage();
      await page.goto(`${as}/`);
      await page.locator('#stream-status', { hasText: 'live' }).waitFor();
      await page.locator('#report-body .report-client').first().waitFor();
      // What differs from run to run (times, random ids, milliseconds) is written over, nothing else.
      await page.evaluate((id) => {
        for (const t of document.querySelectorAll('time')) t.textContent = t.closest('.step') ? '12:00:00' : '12:00:00.000';
        const clock = document.querySelector('dd[data-key="clock"]');
        if (clock) clock.textContent = '2026-01-01T12:00:00.000Z';
        for (const el of document.querySelectorAll('#event-list code, .grant p, .realms .idle, #report-body h3, #report-body td')) {
          el.textContent = (el.textContent ?? '').replaceAll(id, 'client-1').replace(/ \d+ms/g, ' 1ms').replace(/g_[\w-]{4}…[\w-]{4}/g, 'g_Ab3d…x9Yz').replace(/idle \d+ s/, 'idle 0 s');
        }
      }, clientId);
      await page.screenshot({ path: fileURLToPath(new URL('../../docs/screenshots/dashboard.png', import.meta.url)), fullPage: true });
    } finally {
      await shot.close();
    }
  });
});
