import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCerts } from '../../src/certs.js';
import type { RunningServers } from '../../src/server.js';
import { probeIssuer } from '../../src/server/issuer-probe.js';
import type { Send } from '../support/http.js';
import { callTool, MCP_HEADERS, rpcBody } from '../support/mcp.js';
import { obtainTokens } from '../support/oauth.js';
import { start } from '../support/servers.js';

/** Nothing listens on port 1 of loopback: a tunnel that died, answering nothing. */
const DEAD = 'http://127.0.0.1:1';

/** Starts both servers with a dead OAUTH_BASE_URL, collecting what they print. */
async function startBehindDeadTunnel(extra: Parameters<typeof start>[0] = {}): Promise<{ servers: RunningServers; lines: string[] }> {
  const lines: string[] = [];
  const servers = await start({ oauthBaseUrl: DEAD, log: (l) => lines.push(l), ...extra });
  return { servers, lines };
}

const warnings = (lines: string[]) => lines.filter((l) => l.startsWith('[warn]'));

describe('one process: introspection does not go through OAUTH_BASE_URL', () => {
  it('a dead OAUTH_BASE_URL still authorizes tool calls (the token got from the bound port), and one [warn] line says it does not answer', async () => {
    const { servers, lines } = await startBehindDeadTunnel();
    try {
      expect(servers.oauthUrl).toBe(DEAD);
      // The client reaches the AS where it really listens (as through a live tunnel); the issuer stays the configured one.
      const { tokens } = await obtainTokens(`http://127.0.0.1:${servers.ports.oauth}`, { resource: servers.mcpUrl });
      // The MCP base was not configured: the resource is the loopback name used, as the token says.
      const mcp = servers.mcpUrl;
      const res = await callTool(mcp, tokens.access_token, 'echo', { message: 'past the dead tunnel' });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      expect(res.json.result.content[0].text).toBe('past the dead tunnel');
      // Introspected by the AS of this process: its counter moved, and no line blames introspection.
      expect(servers.realm.counters.introspections).toBeGreaterThan(0);
      expect(lines.some((l) => l.includes('introspection at') && l.includes('failed'))).toBe(false);

      await expect.poll(() => warnings(lines).length, { timeout: 15_000 }).toBe(1);
      const [warn] = warnings(lines);
      expect(warn).toContain(`OAUTH_BASE_URL ${DEAD} does not answer GET ${DEAD}/.well-known/oauth-authorization-server`);
      expect(warn).toContain('ECONNREFUSED');
      expect(warn).toContain('the MCP server introspects in this process regardless');
    } finally {
      await servers.close();
    }
  });

  it('bound to ::1, it serves over [::1] and introspects in process', async () => {
    const { servers, lines } = await startBehindDeadTunnel({ host: '::1' });
    try {
      const { tokens } = await obtainTokens(`http://[::1]:${servers.ports.oauth}`, { resource: servers.mcpUrl });
      const res = await callTool(`http://[::1]:${servers.ports.mcp}/mcp`, tokens.access_token);
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      await expect.poll(() => warnings(lines).length, { timeout: 15_000 }).toBe(1);
      expect(warnings(lines)[0]).toContain('introspects in this process regardless');
    } finally {
      await servers.close();
    }
  });

  it('introspection is handed to the AS in process: no socket, the AS answers it (its event), the issuer is named', async () => {
    const { servers } = await startBehindDeadTunnel({ oauthBaseUrl: 'https://some-tunnel.example' });
    const hosts: string[] = [];
    // Every node:http server of this process reports its requests here; keep the AS's /introspect ones.
    const onStart = (message: unknown) => {
      const { request } = message as { request: http.IncomingMessage };
      if (request.socket.localPort === servers.ports.oauth && request.url === '/introspect') hosts.push(request.headers.host ?? '');
    };
    diagnostics.subscribe('http.server.request.start', onStart);
    try {
      const { tokens } = await obtainTokens(`http://127.0.0.1:${servers.ports.oauth}`, { resource: servers.mcpUrl });
      const res = await callTool(servers.mcpUrl, tokens.access_token);
      expect(res.status).toBe(200);
      // Nothing reached the AS's listening socket: the RFC 7662 request went to its app directly...
      expect(hosts).toEqual([]);
      // ...which answered it as ever: one introspect event, by the MCP server's credentials, for the configured issuer's realm.
      const introspected = servers.realm.events.since().filter((e) => e.type === 'request' && e.endpoint === 'introspect');
      expect(introspected).toMatchObject([{ path: '/introspect', status: 200, clientId: servers.realm.config.introspectionClientId, active: true }]);
    } finally {
      diagnostics.unsubscribe('http.server.request.start', onStart);
      await servers.close();
    }
  });

  // Introspection needs no socket in one process; the JWKS is still fetched from the AS's own socket.
  it('over HTTPS too: validating JWTs, the MCP server dials the AS socket for the JWKS and accepts the certificate this process serves, though it does not name the tunnel', async () => {
    // `npm run certs` for localhost, a tunnel's name as the issuer: the certificate does not carry the
    // name sent as Host (and SNI), so only the pin on this process's own certificate lets it through.
    const certs = await writeCerts(mkdtempSync(join(tmpdir(), 'mots-dead-tunnel-')));
    const ca = readFileSync(certs.cert, 'utf8');
    const { servers } = await startBehindDeadTunnel({
      oauthBaseUrl: 'https://some-tunnel.example',
      tlsCertFile: certs.cert,
      tlsKeyFile: certs.key,
      accessTokenFormat: 'jwt',
      mcpTokenValidation: 'jwt',
    });
    try {
      const as = httpsSend(`https://localhost:${servers.ports.oauth}`, ca);
      const { tokens } = await obtainTokens({ req: as }, { resource: servers.mcpUrl });
      const res = await httpsSend(`https://localhost:${servers.ports.mcp}`, ca)('/mcp', {
        method: 'POST',
        headers: { ...MCP_HEADERS, Authorization: `Bearer ${tokens.access_token}` },
        body: JSON.stringify(rpcBody('tools/call', { name: 'echo', arguments: { message: 'tls' } })),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      expect((await res.json()).result.content[0].text).toBe('tls');
    } finally {
      await servers.close();
    }
  });
});

/** A Send over node:https trusting `ca` (fetch cannot be given a CA). */
function httpsSend(base: string, ca: string): Send {
  return (path, init = {}) =>
    new Promise((resolve, reject) => {
      const req = https.request(new URL(path, base), { method: init.method ?? 'GET', headers: init.headers as Record<string, string>, ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
          const status = res.statusCode ?? 500;
          resolve(new Response([204, 304].includes(status) ? null : Buffer.concat(chunks), { status, headers }));
        });
      });
      req.on('error', reject);
      req.end(typeof init.body === 'string' ? init.body : init.body instanceof URLSearchParams ? init.body.toString() : undefined);
    });
}

describe('probeIssuer: what the startup check says', () => {
  it('nothing when the issuer answers its own metadata; what is wrong otherwise; nothing once abandoned', async () => {
    const servers = await start();
    try {
      const meta = `${servers.oauthUrl}/.well-known/oauth-authorization-server`;
      const signal = new AbortController().signal;
      expect(await probeIssuer(servers.oauthUrl, meta, { signal })).toBeUndefined();
      expect(await probeIssuer('https://elsewhere.example', meta, { signal })).toBe(`it names another issuer (${JSON.stringify(servers.oauthUrl)})`);
      expect(await probeIssuer(servers.oauthUrl, `${servers.oauthUrl}/nothing-here`, { signal })).toBe('it answered 404');
      // Latency longer than the probe waits: it gives up at its bound and says so.
      await servers.control.addFault({ endpoint: 'as-metadata', effect: { kind: 'latency', ms: 3000 } });
      expect(await probeIssuer(servers.oauthUrl, meta, { signal, timeoutMs: 200 })).toBe('no answer within 200 ms');
      const abandoned = new AbortController();
      const probe = probeIssuer(servers.oauthUrl, meta, { signal: abandoned.signal });
      abandoned.abort();
      expect(await probe).toBeUndefined();
    } finally {
      await servers.close();
    }
  });
});
