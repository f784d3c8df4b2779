/**
 * Every process the tests spawn goes through here. Each one gets a process group of its own
 * (`detached: true`), and the whole group is SIGKILLed when the test that started it finishes, passed
 * or failed. A process started outside a test (in beforeAll) lives until its file is done. Whatever
 * is still running when the vitest worker exits (or is told to stop) is killed then. A group kill
 * also takes a wrapper's children (tsx, npm, a shell), which a kill of the leader's PID leaves
 * orphaned. test/setup.ts runs the per-file cleanup.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { onTestFinished } from 'vitest';

export type Scope = 'test' | 'file';

interface Registry {
  /** Everything started and not yet cleaned up, leaders by PID. */
  live: Map<number, ChildProcess>;
  /** Started outside a test, or asked to outlive it: killed by the file's afterAll. */
  fileScoped: Set<ChildProcess>;
}

// One registry per worker process, however many times this module is evaluated in it.
const KEY = Symbol.for('mcp-oauth-test-server.test-children');
const holder = globalThis as { [KEY]?: Registry };
const registry: Registry = (holder[KEY] ??= installRegistry());

function installRegistry(): Registry {
  const r: Registry = { live: new Map(), fileScoped: new Set() };
  const killAll = () => {
    for (const pid of r.live.keys()) killGroup(pid);
  };
  process.on('exit', killAll);
  // vitest stops a worker with SIGTERM; Ctrl-C and a closed terminal send SIGINT/SIGHUP to the
  // worker's group, which no longer includes our detached children. Kill them, then die as asked.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
  return r;
}

/** SIGKILL to the process group; a group that is already gone is fine. */
export function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** True once the process no longer runs: no such PID, or a zombie nobody has reaped yet. */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw err;
  }
  if (!existsSync('/proc/self/stat')) return false; // no procfs: it answers signals, so it is there
  try {
    // /proc/<pid>/stat: "pid (comm) S …", the state letter after the closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true; // vanished in between
  }
}

/** Kills the child's group and waits until the child itself has exited (and been reaped). */
export async function cleanUp(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));
  killGroup(pid);
  await exited;
  registry.live.delete(pid);
  registry.fileScoped.delete(child);
}

/** Cleans up everything started outside a test, or kept for the whole file. Called by test/setup.ts. */
export async function cleanUpFile(): Promise<void> {
  await Promise.all([...registry.fileScoped].map(cleanUp));
}

/** PIDs of the leaders still registered (for the test that proves the cleanup). */
export function livePids(): number[] {
  return [...registry.live.keys()];
}

/**
 * `spawn` in a process group of its own, registered for cleanup. `scope: 'file'` keeps a process
 * started inside a test alive for the file's later tests (the file's afterAll kills it).
 */
export function spawnTracked(command: string, args: string[], options: SpawnOptions & { scope?: Scope } = {}): ChildProcess {
  const { scope = 'test', ...rest } = options;
  const child = spawn(command, args, { ...rest, detached: true });
  const pid = child.pid;
  if (pid === undefined) return child; // spawn failed: 'error' follows, nothing to clean up
  registry.live.set(pid, child);
  // When the leader exits, whatever it left in its group goes too.
  child.once('exit', () => {
    killGroup(pid);
    registry.live.delete(pid);
    registry.fileScoped.delete(child);
  });
  let inTest = false;
  if (scope === 'test') {
    try {
      onTestFinished(() => cleanUp(child));
      inTest = true;
    } catch {
      // Not inside a test (beforeAll/afterAll): the file's cleanup takes it.
    }
  }
  if (!inTest) registry.fileScoped.add(child);
  return child;
}

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; after `timeoutMs` its group is killed (the result says so). */
export function runTracked(command: string, args: string[], options: SpawnOptions & { timeoutMs?: number } = {}): Promise<Ran> {
  const { timeoutMs = 60_000, ...rest } = options;
  return new Promise((resolve, reject) => {
    const child = spawnTracked(command, args, { ...rest, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.pid !== undefined && killGroup(child.pid), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
