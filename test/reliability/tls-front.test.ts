import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCerts } from '../../src/certs.js';
import type { RunningServers } from '../../src/server.js';
import { start } from '../support/servers.js';

let s: RunningServers;
let ca: string;
const lines: string[] = [];

beforeAll(async () => {
  const paths = await writeCerts(mkdtempSync(join(tmpdir(), 'mots-front-')));
  ca = readFileSync(paths.cert, 'utf8');
  s = await start({ tlsCertFile: paths.cert, tlsKeyFile: paths.key, log: (l) => lines.push(l) });
});
afterAll(() => s?.close());

const get = (port: number, path: string, agent?: https.Agent) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', servername: 'localhost', port, path, ca, agent }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      })
      .on('error', reject);
  });

/** A TLS client that does not trust the certificate: its handshake fails at the server too. */
const untrusting = (port: number) =>
  new Promise<void>((resolve) => {
    const sock = tls.connect({ host: '127.0.0.1', port, servername: 'localhost' });
    sock.on('error', () => resolve());
    sock.on('secureConnect', () => (sock.destroy(), resolve()));
  });

describe('an HTTPS port in front of plain HTTP clients (issue 11)', () => {
  it('plain HTTP gets a plain-HTTP 400 in the standard error shape, naming the https URL', async () => {
    const res = await fetch(`http://127.0.0.1:${s.ports.oauth}/.well-known/oauth-authorization-server?x=1`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: `this port speaks HTTPS, not plain HTTP: use https://127.0.0.1:${s.ports.oauth}/.well-known/oauth-authorization-server?x=1`,
    });
    const mcp = await fetch(`http://localhost:${s.ports.mcp}/mcp`, { method: 'POST', body: '{}' });
    expect(mcp.status).toBe(400);
    expect(((await mcp.json()) as { error_description: string }).error_description).toContain(`use https://localhost:${s.ports.mcp}/mcp`);
  });

  it('HTTPS keeps working on the same port, keep-alive included, and close() still ends kept-alive connections', async () => {
    const agent = new https.Agent({ keepAlive: true });
    for (let i = 0; i < 3; i++) {
      const r = await get(s.ports.oauth, '/.well-known/oauth-authorization-server', agent);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body).issuer).toBe(`https://127.0.0.1:${s.ports.oauth}`);
    }
    const other = await start({ tlsCertFile: s.config.tlsCertFile, tlsKeyFile: s.config.tlsKeyFile });
    expect((await get(other.ports.mcp, '/.well-known/oauth-protected-resource/mcp', agent)).status).toBe(200);
    await other.close();
    agent.destroy();
  });

  it('a failed TLS handshake is logged once per client address', async () => {
    await untrusting(s.ports.oauth);
    await untrusting(s.ports.oauth);
    await untrusting(s.ports.oauth);
    await expect.poll(() => lines.filter((l) => l.startsWith('[tls] handshake with 127.0.0.1 failed')).length).toBeGreaterThan(0);
    const tlsLines = lines.filter((l) => l.startsWith('[tls] handshake'));
    expect(tlsLines.length).toBeLessThanOrEqual(2); // one per server at most, one address
    expect(tlsLines[0]).toBe("[tls] handshake with 127.0.0.1 failed (once per address): does the client trust the certificate? Node clients: NODE_EXTRA_CA_CERTS=<the cert file>");
  });

  it('a connection that never sends a byte does not hold close() up (nor stays forever: it has 10 s to speak)', async () => {
    const other = await start({ tlsCertFile: s.config.tlsCertFile, tlsKeyFile: s.config.tlsKeyFile });
    const silent = net.connect(other.ports.oauth, '127.0.0.1');
    await new Promise<void>((resolve) => silent.once('connect', () => resolve()));
    const closed = new Promise<void>((resolve) => silent.once('close', () => resolve()));
    silent.on('error', () => {});
    // Without dropping it, close() would never resolve: node:https's own close knows nothing of a
    // socket still waiting in front of it, and the listener waits for every connection it accepted.
    await other.close();
    await closed;
    expect(silent.destroyed).toBe(true);
  });
});
