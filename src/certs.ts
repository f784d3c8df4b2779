import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const CERT_FILE = 'localhost.pem';
export const KEY_FILE = 'localhost-key.pem';

export interface CertPaths {
  cert: string;
  key: string;
}

/** Where `certs` writes, and where `start` looks for a certificate when none is configured. */
export function defaultCertPaths(dir = 'certs'): CertPaths {
  return { cert: resolve(dir, CERT_FILE), key: resolve(dir, KEY_FILE) };
}

export function certsPresent(dir = 'certs'): CertPaths | undefined {
  const p = defaultCertPaths(dir);
  return existsSync(p.cert) && existsSync(p.key) ? p : undefined;
}

/**
 * Writes a self-signed certificate for localhost, 127.0.0.1 and ::1 (825 days: the longest lifetime
 * macOS accepts for a trusted TLS certificate) and its key, readable by the owner only.
 */
export async function writeCerts(dir = 'certs'): Promise<CertPaths> {
  // Loaded here, not at the top: `start` and `scenario` look for ./certs through this module, and
  // the generator costs them a third of their start-up time.
  const { generate } = await import('selfsigned');
  const now = new Date();
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 825 * 86400_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  mkdirSync(dir, { recursive: true });
  const paths = defaultCertPaths(dir);
  writeFileSync(paths.cert, pems.cert);
  writeFileSync(paths.key, pems.private, { mode: 0o600 });
  chmodSync(paths.key, 0o600);
  return { cert: paths.cert, key: join(paths.key) };
}
