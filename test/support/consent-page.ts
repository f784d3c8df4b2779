import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { onTestFinished } from 'vitest';
import { REDIRECT } from './oauth.js';

/** A fresh browser context (no cookies, no cache) for one test, closed when the test ends. */
export async function freshPage(browser: Browser, options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(options);
  onTestFinished(() => context.close());
  return { context, page: await context.newPage() };
}

/**
 * Catches the browser's arrival at the client's redirect URI (nothing listens there: a test client
 * reads the code off the URL): the request is answered with a blank page, and `arrival` is its URL.
 * Chromium applies the page's CSP form-action to that redirect, so a page that forbade it never arrives.
 */
export async function catchRedirect(page: Page, redirectUri = REDIRECT): Promise<{ arrival: Promise<URL> }> {
  const at = (url: string) => url.startsWith(redirectUri);
  await page.route((u) => at(u.href), (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'back at the client' }));
  return { arrival: page.waitForRequest((r) => at(r.url())).then((r) => new URL(r.url())) };
}

/** The hidden fields of a consent page's form, read from its HTML (what a forger would need). */
export function formFields(html: string): { consentId: string; csrf: string } {
  const value = (name: string) => {
    const m = new RegExp(`name="${name}" value="([^"]+)"`).exec(html);
    if (!m) throw new Error(`the consent page has no ${name} field`);
    return m[1]!;
  };
  return { consentId: value('consent_id'), csrf: value('csrf') };
}
