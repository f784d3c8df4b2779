import { describe, expect, it } from 'vitest';
import { startCli } from '../cli/run-cli.js';
import { cleanUpFile, isGone, livePids, spawnTracked } from '../support/children.js';

/** True once no process is left in the group (leader included). */
function groupGone(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw err;
  }
}

/** A node process that starts a child of its own (same group), prints that child's PID, and idles. */
const WRAPPER = `
const { spawn } = require('node:child_process');
const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
console.log(c.pid);
setInterval(() => {}, 1000);
`;

function startWrapper(scope?: 'file'): Promise<{ pid: number; grandchild: number }> {
  const child = spawnTracked(process.execPath, ['-e', WRAPPER], { stdio: ['ignore', 'pipe', 'inherit'], scope });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (d: Buffer) => resolve({ pid: child.pid!, grandchild: Number(String(d).trim()) }));
  });
}

// The tests here run in order: each one checks what the one before it left behind.
describe('processes started by tests never outlive them', () => {
  let server: number | undefined;
  let wrapper: { pid: number; grandchild: number } | undefined;
  let kept: { pid: number; grandchild: number } | undefined;

  it.fails('a test that starts the CLI server and then fails…', async () => {
    const s = await startCli([], { env: { OAUTH_PORT: '0', MCP_PORT: '0' } });
    server = s.child.pid;
    expect(isGone(server!)).toBe(false);
    expect(livePids()).toContain(server);
    throw new Error('this test fails on purpose, without stopping its server');
  });

  it('…leaves no server behind: the PID and its process group are gone once it has ended', async () => {
    expect(server).toBeGreaterThan(0);
    expect(() => process.kill(server!, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect(livePids()).not.toContain(server);
    // Killed members a wrapper left (tsx's child) stay zombies until whoever adopted them reaps them.
    await expect.poll(() => groupGone(server!), { timeout: 30_000 }).toBe(true);
  });

  it('a test that starts a process which starts another, and never stops either…', async () => {
    wrapper = await startWrapper();
    expect(isGone(wrapper.pid)).toBe(false);
    expect(isGone(wrapper.grandchild)).toBe(false);
  });

  it('…has both killed when it ends (the whole group, not just the PID it spawned)', async () => {
    expect(() => process.kill(wrapper!.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    // The grandchild got its SIGKILL with the group; it dies once the kernel next runs it (on a busy
    // machine, not necessarily yet), and whoever adopted it reaps it in its own time.
    await expect.poll(() => isGone(wrapper!.grandchild), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => groupGone(wrapper!.pid), { timeout: 30_000 }).toBe(true);
  });

  it("scope 'file' keeps a process for the file's later tests…", async () => {
    kept = await startWrapper('file');
  });

  it("…and the file's cleanup (test/setup.ts runs it after the last test) ends it", async () => {
    expect(isGone(kept!.pid)).toBe(false);
    await cleanUpFile();
    expect(() => process.kill(kept!.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    await expect.poll(() => isGone(kept!.grandchild), { timeout: 30_000 }).toBe(true);
    expect(livePids()).toEqual([]);
  });
});
