import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killGroup, runTracked, spawnTracked, type Ran, type Scope } from '../support/children.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The built command line (test/global-setup.ts builds dist/ before the tests): what the package ships. */
export const CLI = `${ROOT}dist/cli.js`;

/** A clean environment: none of the server's settings leak in from the developer's shell. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test' };
  return { ...env, ...extra };
}

export type { Ran };

/** Runs the command line to completion (in its own process group, killed if the test ends first). */
export function runCli(args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<Ran> {
  return runTracked(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, env: cleanEnv(opts.env), timeoutMs: opts.timeoutMs ?? 30_000 });
}

export interface Started {
  child: ChildProcess;
  oauthUrl: string;
  mcpUrl: string;
  output: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/**
 * Starts `start` and waits for all ready lines; kills it if they never come. The server's process
 * group is killed when the test ends, whatever happened (`scope: 'file'`: when the file ends).
 * `only`: a server started alone (`start --only`), whose ready lines name that server only (the
 * other URL is then '').
 */
export function startCli(args: string[], opts: { env?: Record<string, string>; cwd?: string; scope?: Scope; only?: 'oauth' | 'mcp' } = {}): Promise<Started> {
  const child = spawnTracked(process.execPath, [CLI, 'start', ...args], { cwd: opts.cwd ?? ROOT, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'], scope: opts.scope });
  let out = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child.pid!);
      reject(new Error(`no ready lines within 30 s:\n${out}`));
    }, 30_000);
    const onData = (d: Buffer) => {
      out += d;
      const oauth = /\[oauth\] authorization server (\S+)/.exec(out);
      const mcp = /\[mcp\] protected MCP server (\S+)/.exec(out);
      // The [control] line is the last ready line: wait for it, not just for the URLs.
      const ready = (opts.only === 'mcp' || oauth) && (opts.only === 'oauth' || mcp);
      if (ready && out.includes('[control]')) {
        clearTimeout(timer);
        resolve({
          child,
          oauthUrl: oauth?.[1] ?? '',
          mcpUrl: mcp?.[1] ?? '',
          output: () => out,
          stop: (signal = 'SIGTERM') => {
            if (child.exitCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready:\n${out}`));
    });
  });
}

/** The environment that points `scenario` at servers started in the test (by their ports). */
export const portsEnv = (s: { ports: { oauth: number; mcp: number } }): Record<string, string> => ({ OAUTH_PORT: String(s.ports.oauth), MCP_PORT: String(s.ports.mcp) });
