/** Cold start of the command line: spawn to the last ready line, then a clean stop. */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pinned, ROOT } from './proc.js';

/** The `[control] …` line is the last of the ready lines `start` prints. */
const READY = /^\[control\] /m;

export const TSX_CLI = createRequire(import.meta.url).resolve('tsx/cli');

async function once(pin: boolean, cmd: string, args: string[]): Promise<number> {
  const [c, a] = pinned(pin, cmd, args);
  const t0 = performance.now();
  // Own process group, so that npm, its shell, tsx and node all stop together.
  const child = spawn(c, a, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let out = '';
  let err = '';
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line within 30 s: ${out}${err}`)), 30_000);
      child.stderr!.on('data', (d: Buffer) => (err += d));
      child.stdout!.on('data', (d: Buffer) => {
        out += d;
        if (READY.test(out)) {
          clearTimeout(timer);
          resolve(performance.now() - t0);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code} before the ready line: ${out}${err}`)));
    });
  } finally {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const kill = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 5000);
    await exited;
    clearTimeout(kill);
  }
}

export async function cliColdStart(pin: boolean, how: 'npm' | 'tsx', runs: number): Promise<number[]> {
  const ports = ['--oauth-port', '0', '--mcp-port', '0'];
  const [cmd, args] = how === 'npm' ? ['npm', ['start', '--silent', '--', ...ports]] : [process.execPath, [TSX_CLI, 'src/cli.ts', 'start', ...ports]];
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push(await once(pin, cmd, args));
  return out;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
