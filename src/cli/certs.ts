import { existsSync } from 'node:fs';
import { defaultCertPaths, writeCerts } from '../certs.js';
import { ConfigError } from '../config.js';
import { invocation } from './invocation.js';

export const certsUsage = 'usage: mcp-oauth-test-server certs [--force]   (writes ./certs/localhost.pem and ./certs/localhost-key.pem; --force replaces them)';

/**
 * `certs`: a self-signed pair for localhost. An existing one is kept unless `--force`: the user may
 * already trust it (a keychain, NODE_EXTRA_CA_CERTS), and a new key would silently break that trust.
 */
export async function runCerts(force: boolean): Promise<number> {
  const wanted = defaultCertPaths();
  const present = [wanted.cert, wanted.key].filter((p) => existsSync(p));
  if (present.length && !force) {
    throw new ConfigError(`${present.join(' and ')} already exist${present.length === 1 ? 's' : ''} (and may be trusted already): kept; certs --force replaces ${present.length === 1 ? 'it' : 'them'}`);
  }
  const p = await writeCerts();
  console.log(`[certs] ${present.length ? 'replaced' : 'wrote'} ${p.cert} and ${p.key} (localhost, 127.0.0.1, ::1)`);
  console.log(`[certs] ${invocation('start')} now serves HTTPS. Trust it: NODE_EXTRA_CA_CERTS=${p.cert} for Node clients; see the README for macOS.`);
  return 0;
}
