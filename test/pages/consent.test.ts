import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { launchBrowser } from '../support/browser.js';
import { catchRedirect, formFields, freshPage } from '../support/consent-page.js';
import { form } from '../support/http.js';
import { callTool, textOf } from '../support/mcp.js';
import { authorizeQuery, introspect, redeem, REDIRECT, register } from '../support/oauth.js';
import { pkce } from '../support/pkce.js';
import { start } from '../support/servers.js';
import { snapshot } from '../support/snapshot.js';
import { connectWithConsentV2 } from '../support/v2-client.js';

/**
 * The consent page (CONSENT=page) in headless Chromium against real servers on port 0: what it
 * shows, what each decision issues, and what it refuses.
 */

let browser: Browser;
let s: RunningServers;
/** Markup a registration may carry as its name: the page must show it as text. */
const HOSTILE_NAME = '<img src=x onerror="document.title=\'pwned\'"><b id="injected">Evil</b>';
/** The first event of the current test. */
let since = 0;

beforeAll(async () => {
  browser = await launchBrowser();
  s = await start({ consent: 'page', clients: [{ client_id: 'hostile', token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT], client_name: HOSTILE_NAME, client_uri: 'javascript:document.title="pwned"' }] });
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});
beforeEach(async () => {
  await s.control.reset();
  since = s.realm.events.lastId;
});

/** The AS over its socket, with the realm the introspection helper reads its credentials from. */
const as = () => ({ req: (path: string, init?: RequestInit) => fetch(s.oauthUrl + path, init), realm: s.realm });

/** A registered public client and an /authorize URL for it with a fresh PKCE pair. */
async function consentUrl(metadata: Record<string, unknown> = {}, params: Record<string, string> = {}, base = s.oauthUrl) {
  const { client_id: clientId } = await register(base, { client_name: 'Consent Test Client', ...metadata });
  const { verifier, challenge } = pkce();
  const url = `${base}/authorize?${authorizeQuery(clientId, challenge, { scope: 'mcp:read mcp:write', resource: s.mcpUrl, ...params })}`;
  return { clientId, verifier, url };
}

/** Redeems the code the browser arrived with; checks `state` and `iss` on the way (RFC 9207). */
async function tokensFrom(arrival: URL, clientId: string, verifier: string) {
  expect(arrival.searchParams.get('state')).toBe('st-1');
  expect(arrival.searchParams.get('iss')).toBe(s.oauthUrl);
  const code = arrival.searchParams.get('code');
  expect(code, arrival.href).toBeTruthy();
  return redeem(s.oauthUrl, clientId, { code: code!, verifier, redirectUri: REDIRECT }, { resource: s.mcpUrl });
}

const authorizeEvents = () => s.realm.events.since(since).filter((e) => e.type === 'request' && e.endpoint === 'authorize');

describe('the consent page', () => {
  it('shows the client, the redirect host, the resource and each scope ticked, with strict headers; Approve redirects with a code for the scope asked', async () => {
    const { page } = await freshPage(browser);
    const { clientId, verifier, url } = await consentUrl({ client_uri: 'https://client.example/about' });
    const { arrival } = await catchRedirect(page);
    const res = await page.goto(url);
    expect(res!.status()).toBe(200);
    const h = res!.headers();
    expect(h['content-type']).toBe('text/html; charset=utf-8');
    expect(h['cache-control']).toBe('no-store');
    expect(h['x-frame-options']).toBe('DENY');
    expect(h['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self' http:\/\/127\.0\.0\.1:53682; frame-ancestors 'none'; base-uri 'none'$/);

    await expect.poll(() => page.locator('#client-name').textContent()).toBe('Consent Test Client');
    expect(await page.locator('#client-uri a').getAttribute('href')).toBe('https://client.example/about');
    expect(await page.locator('#redirect-to').textContent()).toBe('127.0.0.1:53682');
    expect(await page.locator('dd code', { hasText: s.mcpUrl }).count()).toBe(1);
    for (const scope of ['mcp:read', 'mcp:write']) expect(await page.getByLabel(scope).isChecked()).toBe(true);
    expect(await page.getByLabel('test-user').isChecked()).toBe(true);
    expect(await page.getByLabel('alice').isChecked()).toBe(false);
    expect(s.realm.consents.size).toBe(1);

    await page.getByRole('button', { name: 'Approve' }).click();
    const tokens = await tokensFrom(await arrival, clientId, verifier);
    expect(tokens.scope).toBe('mcp:read mcp:write');
    expect(await introspect(as(), tokens.access_token)).toMatchObject({ active: true, scope: 'mcp:read mcp:write', sub: 'test-user', client_id: clientId });
    expect(s.realm.consents.size).toBe(0);
    expect(authorizeEvents().map((e) => [e.path, e.status, e.outcome, 'consent' in e && e.consent])).toEqual([
      ['/authorize', 200, 'ok', 'page-shown'],
      ['/consent', 302, 'ok', 'approved'],
    ]);
    expect(authorizeEvents()[1]).toMatchObject({ clientId, scopes: ['mcp:read', 'mcp:write'], subject: 'test-user', scopesDeclined: [] });
  });

  it('Deny redirects with access_denied, state and iss, and issues nothing', async () => {
    const { page } = await freshPage(browser);
    const { url } = await consentUrl();
    const { arrival } = await catchRedirect(page);
    await page.goto(url);
    await page.getByRole('button', { name: 'Deny' }).click();
    const back = await arrival;
    expect(Object.fromEntries(back.searchParams)).toEqual({ error: 'access_denied', error_description: 'the user denied consent on the consent page', state: 'st-1', iss: s.oauthUrl });
    expect((await s.realm.store.counts()).codes).toBe(0);
    expect(authorizeEvents().at(-1)).toMatchObject({ path: '/consent', outcome: 'access_denied', consent: 'denied' });
  });

  it('partial consent: a scope left unticked is not in the token (introspection), and the event names it declined', async () => {
    const { page } = await freshPage(browser);
    const { clientId, verifier, url } = await consentUrl();
    const { arrival } = await catchRedirect(page);
    await page.goto(url);
    await page.getByLabel('mcp:write').uncheck();
    await page.getByRole('button', { name: 'Approve' }).click();
    const tokens = await tokensFrom(await arrival, clientId, verifier);
    expect(tokens.scope).toBe('mcp:read');
    expect(await introspect(as(), tokens.access_token)).toMatchObject({ active: true, scope: 'mcp:read' });
    expect(authorizeEvents().at(-1)).toMatchObject({ consent: 'approved', scopes: ['mcp:read'], scopesDeclined: ['mcp:write'] });
  });

  it('approving with every scope unticked is a denial (access_denied), not a code for nothing', async () => {
    const { page } = await freshPage(browser);
    const { url } = await consentUrl();
    const { arrival } = await catchRedirect(page);
    await page.goto(url);
    await page.getByLabel('mcp:read').uncheck();
    await page.getByLabel('mcp:write').uncheck();
    await page.getByRole('button', { name: 'Approve' }).click();
    expect((await arrival).searchParams.get('error')).toBe('access_denied');
    expect((await s.realm.store.counts()).codes).toBe(0);
  });

  it('the user picked is the sub of the tokens: introspection and whoami say so', async () => {
    const { page } = await freshPage(browser);
    const { clientId, verifier, url } = await consentUrl();
    const { arrival } = await catchRedirect(page);
    await page.goto(url);
    await page.getByLabel('bob').check();
    await page.getByRole('button', { name: 'Approve' }).click();
    const tokens = await tokensFrom(await arrival, clientId, verifier);
    expect(await introspect(as(), tokens.access_token)).toMatchObject({ sub: 'bob' });
    const who = await callTool(s.mcpUrl, tokens.access_token, 'whoami', {});
    expect(who.status).toBe(200);
    expect(JSON.parse(textOf(who.json.result))).toMatchObject({ sub: 'bob', client_id: clientId });
    expect(authorizeEvents().at(-1)).toMatchObject({ subject: 'bob' });
  });

  it('keyboard only: Tab reaches the scopes, the user and Approve in reading order; Space unticks, arrows pick, Enter approves', async () => {
    const { page } = await freshPage(browser);
    const { clientId, verifier, url } = await consentUrl();
    const { arrival } = await catchRedirect(page);
    await page.goto(url);
    const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim());
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('scope-0');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('scope-1');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('user-0');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe('user-1');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Approve');
    await page.keyboard.press('Enter');
    const tokens = await tokensFrom(await arrival, clientId, verifier);
    expect(await introspect(as(), tokens.access_token)).toMatchObject({ scope: 'mcp:write', sub: 'alice' });
  });

  it('works without JavaScript: the page reads and its form posts', async () => {
    const { page } = await freshPage(browser, { javaScriptEnabled: false });
    const { clientId, verifier, url } = await consentUrl();
    const { arrival } = await catchRedirect(page);
    await page.goto(url);
    expect(await page.locator('#client-name').textContent()).toBe('Consent Test Client');
    await page.getByLabel('mcp:write').uncheck();
    await page.getByRole('button', { name: 'Approve' }).click();
    const tokens = await tokensFrom(await arrival, clientId, verifier);
    expect(tokens.scope).toBe('mcp:read');
  });

  it('shows markup in client_name and client_uri as text: no element is injected, a javascript: URI is no link', async () => {
    const { page } = await freshPage(browser);
    let dialogs = 0;
    page.on('dialog', () => dialogs++);
    // A pre-registered client: /register refuses a javascript: client_uri, CLIENTS_FILE only bounds its length.
    const { challenge } = pkce();
    await page.goto(`${s.oauthUrl}/authorize?${authorizeQuery('hostile', challenge)}`);
    expect(await page.locator('#client-name').textContent()).toBe(HOSTILE_NAME);
    expect(await page.title()).toBe(`Authorize ${HOSTILE_NAME}`);
    expect(await page.locator('#client-uri a').count()).toBe(0);
    expect(await page.locator('#client-uri').textContent()).toBe('javascript:document.title="pwned"');

    // A registered one: quotes and brackets in an https client_uri stay inside its href.
    const uri = 'https://client.example/?q="><b id="injected2">x</b>';
    const registered = await consentUrl({ client_name: '<script>document.title="pwned"</script>', client_uri: uri });
    await page.goto(registered.url);
    expect(await page.locator('#client-name').textContent()).toBe('<script>document.title="pwned"</script>');
    expect(await page.locator('#client-uri a').getAttribute('href')).toBe(uri);
    expect(await page.locator('img, #injected, #injected2, main script').count()).toBe(0);
    expect(await page.title()).not.toBe('pwned');
    expect(dialogs).toBe(0);
  });

  it('refuses a forged, cross-site, malformed or replayed decision with a 400 page; nothing is issued and the page still works', async () => {
    const { clientId, verifier, url } = await consentUrl();
    const shown = await fetch(url);
    expect(shown.status).toBe(200);
    const { consentId, csrf } = formFields(await shown.text());
    const decide = (fields: Record<string, string> | string, headers: Record<string, string> = {}) => fetch(`${s.oauthUrl}/consent`, { ...form(fields, headers), redirect: 'manual' });
    const approve = { consent_id: consentId, csrf, decision: 'approve', scope: 'mcp:read', sub: 'alice' };
    const before = await snapshot(s.realm);
    const refusals: Array<[Record<string, string> | string, Record<string, string>, RegExp]> = [
      [{ ...approve, csrf: 'x'.repeat(csrf.length) }, {}, /unknown, or was already decided/],
      [{ ...approve, consent_id: 'cp_forged' }, {}, /unknown, or was already decided/],
      [{ ...approve, csrf: '' }, {}, /consent_id and csrf are required/],
      [approve, { Origin: 'http://evil.example' }, /not from http:\/\/evil\.example/],
      [approve, { 'Sec-Fetch-Site': 'cross-site' }, /cross-site form posts are refused/],
      [{ ...approve, scope: 'mcp:admin' }, {}, /was not asked for/],
      [{ ...approve, sub: 'mallory' }, {}, /not one of the test users/],
      [{ ...approve, decision: 'maybe' }, {}, /decision must be approve or deny/],
      [`${new URLSearchParams(approve)}&sub=bob`, {}, /must not be repeated/],
    ];
    for (const [fields, headers, why] of refusals) {
      const res = await decide(fields, headers);
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toMatch(why);
    }
    const json = await fetch(`${s.oauthUrl}/consent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(approve), redirect: 'manual' });
    expect(json.status).toBe(400);
    expect((await fetch(`${s.oauthUrl}/consent`)).status).toBe(405);
    expect(await snapshot(s.realm)).toEqual(before);
    expect(s.realm.consents.size).toBe(1);

    // The real decision still goes through, once.
    const ok = await decide(approve);
    expect(ok.status).toBe(302);
    const tokens = await tokensFrom(new URL(ok.headers.get('location')!), clientId, verifier);
    expect(await introspect(as(), tokens.access_token)).toMatchObject({ scope: 'mcp:read', sub: 'alice' });
    const replay = await decide(approve);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toMatch(/already decided/);
    expect((await s.realm.store.counts()).accessTokens).toBe(1);
  });

  it('a page from before a reset, or past its 300 s, decides nothing', async () => {
    const { page } = await freshPage(browser);
    const { url } = await consentUrl();
    await page.goto(url);
    await s.control.reset();
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Consent not recorded');
    expect(await page.locator('main').textContent()).toMatch(/unknown, or was already decided/);

    const again = await consentUrl();
    await page.goto(again.url);
    await s.control.advanceClock(301);
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.locator('main').textContent()).toMatch(/expired \(pages wait 300 s\)/);
    expect((await s.realm.store.counts()).codes).toBe(0);
  });

  it('deny-consent answers before any page is shown; the consent switch turns the page off and on at runtime', async () => {
    await s.control.denyConsent(true);
    const denied = await fetch((await consentUrl()).url, { redirect: 'manual' });
    expect(denied.status).toBe(302);
    expect(new URL(denied.headers.get('location')!).searchParams.get('error')).toBe('access_denied');
    expect(s.realm.consents.size).toBe(0);
    await s.control.denyConsent(false);

    expect((await s.control.consent('auto')).switches.consent).toBe('auto');
    const auto = await fetch((await consentUrl()).url, { redirect: 'manual' });
    expect(auto.status).toBe(302);
    expect(new URL(auto.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    expect((await s.control.consent('page')).switches.consent).toBe('page');
    expect((await fetch((await consentUrl()).url)).status).toBe(200);
  });

  it("a realm created with policy consent page shows it under /r/<id>, and its form posts to the realm's own /consent", async () => {
    await s.control.consent('auto');
    const realm = await s.createRealm({ policy: { consent: 'page' } });
    const { page } = await freshPage(browser);
    const { clientId, verifier, url } = await consentUrl({}, { resource: realm.mcpUrl }, realm.issuer);
    const { arrival } = await catchRedirect(page);
    await page.goto(url);
    await page.getByRole('button', { name: 'Approve' }).click();
    const back = await arrival;
    expect(back.searchParams.get('iss')).toBe(realm.issuer);
    const tokens = await redeem(realm.issuer, clientId, { code: back.searchParams.get('code')!, verifier, redirectUri: REDIRECT }, { resource: realm.mcpUrl });
    expect(tokens.scope).toBe('mcp:read mcp:write');
    expect(realm.realm.events.since(0).some((e) => e.type === 'request' && e.path === `/r/${realm.id}/consent` && e.status === 302)).toBe(true);
    realm.delete();
  });

  it('the SDK v2 client, its redirectToAuthorization driving the browser to the page and Approve, ends with a tool call', async () => {
    const { page } = await freshPage(browser);
    const provider = new BrowserProvider(page);
    const c = await connectWithConsentV2(s.mcpUrl, provider);
    try {
      const result = await c.client.callTool({ name: 'whoami', arguments: {} });
      expect(JSON.parse(textOf(result))).toMatchObject({ sub: 'test-user', client_id: provider.clientInfo!.client_id });
      expect(provider.authorizations).toBe(1);
      expect(authorizeEvents().map((e) => 'consent' in e && e.consent)).toEqual(['page-shown', 'approved']);
    } finally {
      await c.client.close();
    }
  });
});

/** The headless provider with a person in the loop: the authorization URL opens in Chromium and Approve is clicked there. */
class BrowserProvider extends HeadlessOAuthProvider {
  constructor(private readonly page: Page) {
    super({ client_name: 'SDK v2 client in Chromium' });
  }

  override async redirectToAuthorization(url: URL): Promise<void> {
    this.authorizations++;
    this.lastAuthorizationUrl = url;
    const { arrival } = await catchRedirect(this.page, this.redirectUrl);
    await this.page.goto(url.href);
    await this.page.getByRole('button', { name: 'Approve' }).click();
    this.lastRedirect = await arrival;
  }
}

describe('the screenshot', () => {
  let shot: RunningServers;
  beforeAll(async () => {
    // Fixed names on the page: a pre-registered client, and the MCP base URL as the README's examples have it.
    shot = await start({
      consent: 'page',
      mcpBaseUrl: 'http://localhost:9101',
      clients: [{ client_id: 'demo-client', token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT], client_name: 'Demo MCP Client', client_uri: 'https://client.example' }],
    });
  });
  afterAll(() => shot?.close());

  it('writes docs/screenshots/consent.png', async () => {
    const { page } = await freshPage(browser, { viewport: { width: 760, height: 700 }, colorScheme: 'light', deviceScaleFactor: 1 });
    const { challenge } = pkce();
    await page.goto(`${shot.oauthUrl}/authorize?${authorizeQuery('demo-client', challenge, { scope: 'mcp:read mcp:write mcp:admin' }, ['http://localhost:9101/mcp'])}`);
    await page.getByLabel('mcp:admin').uncheck();
    // The caret and focus ring are not part of the picture.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const dir = new URL('../../docs/screenshots/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: new URL('consent.png', dir).pathname, fullPage: true });
  });
});
