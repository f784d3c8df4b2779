import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import type { StartOptions } from '../../src/server.js';
import { createMcpServer } from '../../src/server.js';
import { spawnTracked, type Scope } from '../support/children.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/auth-server.ts', import.meta.url));

export interface ChildAuthServer {
  url: string;
  port: number;
  child: ChildProcess;
  /** SIGTERM (graceful close) or SIGKILL (the process just vanishes); resolves once it has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the authorization server in a child process (node --import tsx) and waits for its URL. Its
 * process group is killed when the test that started it ends (`scope: 'file'`, or started in a
 * beforeAll: when the file ends), whatever happened.
 */
export function spawnAuthServer(
  env: { port?: number; mcpBaseUrl: string; secret: string; seedRefreshToken?: string },
  opts: { scope?: Scope } = {},
): Promise<ChildAuthServer> {
  const child = spawnTracked(process.execPath, ['--import', 'tsx', FIXTURE], {
    scope: opts.scope,
    env: {
      ...process.env,
      AS_PORT: String(env.port ?? 0),
      MCP_BASE_URL: env.mcpBaseUrl,
      INTROSPECTION_CLIENT_SECRET: env.secret,
      SEED_REFRESH_TOKEN: env.seedRefreshToken ?? '',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      void stop('SIGKILL');
      reject(new Error(`auth server child did not start within 25 s: ${err}`));
    }, 25_000);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      const { url, port } = JSON.parse(out.slice(0, nl)) as { url: string; port: number };
      resolve({ url, port, child, stop });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`auth server child exited (${code}) before listening: ${err}`));
    });
  });
}

export interface LocalResourceServer {
  mcpBaseUrl: string;
  mcpUrl: string;
  notices: string[];
  server: ReturnType<typeof createMcpServer>;
  close(): Promise<void>;
}

/**
 * The MCP server in this process, wired as startServers does but against a separate AS: the port is
 * bound first so that mcpBaseUrl is known before the app (and the child AS) are configured.
 */
export async function listenResourceServer(
  configure: (mcpBaseUrl: string) => Promise<StartOptions & { oauthBaseUrl: string }>,
): Promise<LocalResourceServer> {
  const httpServer = http.createServer();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const mcpBaseUrl = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const notices: string[] = [];
  let options: StartOptions & { oauthBaseUrl: string };
  try {
    options = await configure(mcpBaseUrl);
  } catch (err) {
    httpServer.close();
    throw err;
  }
  const server = createMcpServer({ ...options, mcpBaseUrl, log: (line) => line.startsWith('[mcp] introspection') && notices.push(line) });
  httpServer.on('request', getRequestListener(server.app.fetch));
  return {
    mcpBaseUrl,
    mcpUrl: `${mcpBaseUrl}/mcp`,
    notices,
    server,
    close: async () => {
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      server.verifier.close();
      server.realm.close();
    },
  };
}
