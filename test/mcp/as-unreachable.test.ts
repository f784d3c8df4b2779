import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { obtainTokens } from '../support/oauth.js';
import { postMcp, toolsCallBody, toolsListBody } from '../support/mcp.js';
import { bearerChallenge } from '../support/www-authenticate.js';
import { listenResourceServer, spawnAuthServer, type ChildAuthServer, type LocalResourceServer } from './processes.js';

/** Calls the RS and measures how long it took to answer (asserted as lower bounds only: load only adds time). */
async function timedCall(mcpUrl: string, token: string): Promise<{ res: Response; ms: number }> {
  const started = performance.now();
  const res = await postMcp(mcpUrl, toolsCallBody('echo', { message: 'x' }), { Authorization: `Bearer ${token}` });
  return { res, ms: performance.now() - started };
}

function expectIntrospectionFailed(res: Response, cause: RegExp): void {
  expect(res.status).toBe(401);
  const p = bearerChallenge(res);
  expect(p.error).toBe('invalid_token');
  expect(p.error_description).toMatch(/^introspection failed: \S/);
  expect(p.error_description!.slice('introspection failed: '.length)).toMatch(cause);
}

describe('the authorization server goes away and comes back', () => {
  const secret = randomBytes(24).toString('base64url');
  let as: ChildAuthServer;
  let rs: LocalResourceServer;

  beforeAll(async () => {
    rs = await listenResourceServer(async (mcpBaseUrl) => {
      as = await spawnAuthServer({ mcpBaseUrl, secret });
      return { oauthBaseUrl: as.url, introspectionClientSecret: secret };
    });
  });
  afterAll(async () => {
    await rs?.close();
    await as?.stop('SIGKILL');
  });

  it.each(['SIGTERM', 'SIGKILL'] as const)('%s: 401 "introspection failed: <cause>" while down, then the first call after restart succeeds', async (signal) => {
    const port = as.port;
    const before = await obtainTokens(as.url, { resource: rs.mcpUrl });
    expect((await timedCall(rs.mcpUrl, before.tokens.access_token)).res.status).toBe(200);

    const exit = await as.stop(signal);
    // SIGTERM runs the graceful close (exit code 0); SIGKILL leaves the RS's keep-alive socket dangling.
    expect(exit).toEqual(signal === 'SIGTERM' ? { code: 0, signal: null } : { code: null, signal: 'SIGKILL' });
    for (let i = 0; i < 2; i++) {
      // The cause is the refused or reset connection, not a timeout: the RS did not wait for an answer.
      const { res } = await timedCall(rs.mcpUrl, before.tokens.access_token);
      expectIntrospectionFailed(res, /ECONNREFUSED|ECONNRESET|socket hang up/);
    }
    expect(rs.notices.at(-1)).toMatch(/introspection at .* failed: .*Check OAUTH_BASE_URL/);

    // Kept for the file's later tests (the next case stops this one); afterAll and the file's cleanup end it.
    as = await spawnAuthServer({ port, mcpBaseUrl: rs.mcpBaseUrl, secret }, { scope: 'file' });
    expect(as.port).toBe(port);
    // A new process has an empty store: the honest way back is a new consent at the new AS.
    const after = await obtainTokens(as.url, { resource: rs.mcpUrl });
    const { res } = await timedCall(rs.mcpUrl, after.tokens.access_token);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ result: { content: [{ text: 'x' }] } });
    expect(rs.notices.at(-1)).toMatch(/works again/);
    // Tokens of the old process are simply unknown now: an ordinary invalid_token, not a failure.
    const old = await timedCall(rs.mcpUrl, before.tokens.access_token);
    expect(bearerChallenge(old.res).error_description).toMatch(/^token is unknown: never issued here/);
  });
});

describe('an authorization server that misbehaves', () => {
  const sockets = new Set<net.Socket>();
  let hung: net.Server;
  let hungUrl: string;
  let accepted = 0;
  let broken: http.Server;
  let brokenUrl: string;
  let answer: { status: number; body: string } = { status: 500, body: 'oops' };
  const opened: LocalResourceServer[] = [];
  const rsFor = async (oauthBaseUrl: string, timeoutMs = 5000) => {
    const rs = await listenResourceServer(async () => ({ oauthBaseUrl, introspectionTimeoutMs: timeoutMs }));
    opened.push(rs);
    return rs;
  };

  beforeAll(async () => {
    // Accepts connections and never answers: the worst case for a client without a timeout.
    hung = net.createServer((socket) => {
      accepted++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
    broken = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(answer.body));
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    brokenUrl = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await Promise.all(opened.map((rs) => rs.close()));
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => hung.close(() => resolve()));
    broken.closeAllConnections();
    await new Promise<void>((resolve) => broken.close(() => resolve()));
  });

  it('a hung AS with introspectionTimeoutMs 300: 401 introspection failed within a bounded time', async () => {
    const rs = await rsFor(hungUrl, 300);
    const results = await Promise.all(Array.from({ length: 4 }, () => timedCall(rs.mcpUrl, 'at_whatever')));
    expect(accepted).toBeGreaterThanOrEqual(1);
    for (const { res, ms } of results) {
      // It waited out its timeout and then gave up (the cause says so); no upper bound on wall time.
      expectIntrospectionFailed(res, /^no answer within 300 ms$/);
      expect(ms).toBeGreaterThanOrEqual(290);
    }
  });

  it('requests without a token still get the plain challenge: the AS is not consulted', async () => {
    const rs = await rsFor(hungUrl, 300);
    const before = accepted;
    const res = await postMcp(rs.mcpUrl, toolsListBody());
    expect(res.status).toBe(401);
    expect(bearerChallenge(res).error).toBeUndefined();
    expect(accepted).toBe(before);
  });

  it.each([
    [{ status: 500, body: '<html>oops</html>' }, /^authorization server answered 500 with a body that is not JSON$/],
    [{ status: 503, body: '{"error":"temporarily_unavailable","error_description":"busy"}' }, /^authorization server answered 503 temporarily_unavailable: busy$/],
    [{ status: 200, body: '{"scope":"mcp:read"}' }, /^authorization server answered without a boolean 'active'$/],
    [{ status: 200, body: '{"active":"true"}' }, /without a boolean 'active'/],
  ])('an AS answering %j → 401, never 5xx', async (a, cause) => {
    answer = a;
    const rs = await rsFor(brokenUrl);
    const { res } = await timedCall(rs.mcpUrl, 'at_whatever');
    expectIntrospectionFailed(res, cause);
  });

  it('an AS on a port where nothing listens → 401 whose cause is the refused connection, not a timeout', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const rs = await rsFor(`http://127.0.0.1:${port}`);
    // The cause names the refusal; a timed-out call would say "no answer within …" instead.
    const { res } = await timedCall(rs.mcpUrl, 'at_whatever');
    expectIntrospectionFailed(res, /ECONNREFUSED/);
  });
});
