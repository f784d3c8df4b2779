import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (.ci/run installs it): playwright-core downloads no browser of its own. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * One headless Chromium for a test file; the caller closes it in `afterAll`. No sandbox: CI runs
 * as root, where Chromium refuses to start sandboxed; no background networking: only loopback is
 * reachable here, and the browser must not wait on anything else.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'] });
}
