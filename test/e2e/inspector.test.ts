import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { launchBrowser } from '../support/browser.js';
import { spawnTracked } from '../support/children.js';
import { freshPage } from '../support/consent-page.js';
import { freePorts } from '../support/ports.js';
import { start } from '../support/servers.js';

/**
 * The MCP Inspector 2.x (its web client, a child process on ports of our choosing) completing OAuth
 * through the consent page in headless Chromium: connect, our page, Approve, our tools listed.
 */

const LAUNCHER = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js', import.meta.url));

let browser: Browser;
let s: RunningServers;

beforeAll(async () => {
  browser = await launchBrowser();
  s = await start({ consent: 'page' });
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

/** The Inspector's web client against our MCP URL, on a free port of 127.0.0.1; resolves with its URL once it says it is up. */
async function startInspector(mcpUrl: string): Promise<string> {
  const { oauth: port } = await freePorts();
  // Its own home: it keeps registered clients and sessions there, which must not outlive the test.
  const home = mkdtempSync(join(tmpdir(), 'inspector-home-'));
  onTestFinished(() => rmSync(home, { recursive: true, force: true }));
  const child = spawnTracked(process.execPath, [LAUNCHER, '--web', '--transport', 'http', '--server-url', mcpUrl], {
    env: {
      ...process.env,
      HOME: home,
      MCP_STORAGE_DIR: join(home, 'storage'),
      HOST: '127.0.0.1',
      CLIENT_PORT: String(port),
      // 0: the MCP Apps sandbox takes any free port (we do not use it).
      MCP_SANDBOX_PORT: '0',
      // Its own API token guards its backend from other local pages; the test's browser is the only one here.
      DANGEROUSLY_OMIT_AUTH: 'true',
      MCP_AUTO_OPEN_ENABLED: 'false',
      // No keychain here, and no secrets file written: OAuth tokens in memory only.
      MCP_INSPECTOR_SECRET_STORE: 'memory',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const up = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    const seen = (d: Buffer) => {
      out += d;
      if (out.includes('is up and running') && out.includes(up)) resolve();
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.once('exit', (code, signal) => reject(new Error(`the Inspector exited (${code ?? signal}) before it was up:\n${out}`)));
    child.once('error', reject);
  });
  return up;
}

it('the MCP Inspector 2.x connects through the consent page: our page, Approve, its OAuth callback, and our tools listed', { timeout: 120_000 }, async () => {
  const inspector = await startInspector(s.mcpUrl);
  const { page } = await freshPage(browser, { viewport: { width: 1280, height: 900 } });
  await page.goto(`${inspector}/`);
  await page.getByText('Disconnected', { exact: true }).waitFor();
  // The server card's connect toggle: the Inspector discovers our AS, registers, and sends this tab to /authorize.
  await page.getByRole('switch').first().click({ force: true });

  await page.locator('#client-name').waitFor();
  expect(new URL(page.url()).origin).toBe(new URL(s.oauthUrl).origin);
  expect(await page.locator('#client-name').textContent()).toMatch(/Inspector/);
  expect(await page.locator('#redirect-to').textContent()).toBe(new URL(inspector).host);
  await page.getByRole('button', { name: 'Approve' }).click();

  await page.getByText('Connected', { exact: true }).waitFor();
  expect(new URL(page.url()).origin).toBe(inspector);
  await page.getByText('Tools', { exact: true }).first().click();
  for (const tool of ['echo', 'add', 'whoami']) await page.getByText(tool, { exact: true }).first().waitFor();

  const authorize = s.realm.events.since(0).filter((e) => e.type === 'request' && e.endpoint === 'authorize');
  expect(authorize.map((e) => [e.path, 'consent' in e && e.consent])).toEqual([
    ['/authorize', 'page-shown'],
    ['/consent', 'approved'],
  ]);
  const calls = s.realm.events.since(0).filter((e) => e.type === 'request' && e.endpoint === 'mcp' && e.status === 200);
  expect(calls.map((e) => 'rpcMethod' in e && e.rpcMethod)).toContain('tools/list');
});
