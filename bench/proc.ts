/** Spawning the pinned server process and talking to it over IPC. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Kind, ReadyInfo, Usage } from './server-proc.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVER_PROC_TS = fileURLToPath(new URL('./server-proc.ts', import.meta.url));

/** What the server processes run: the compiled bench/.build (default) or the TypeScript under tsx. */
let serverEntry: { file: string; tsx: boolean } = { file: SERVER_PROC_TS, tsx: true };
export function useCompiledServer(file: string): void {
  serverEntry = { file, tsx: false };
}

/** Core assignment: the server gets core 0, the load generator (this process) core 1. */
export const SERVER_CORE = 0;
export const CLIENT_CORE = 1;

export const hasTaskset = (): boolean => spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;

/** Pins every thread of this process (libuv pool and V8 helpers included) to one core. */
export function pinSelf(core: number): boolean {
  return spawnSync('taskset', ['-a', '-cp', String(core), String(process.pid)], { stdio: 'ignore' }).status === 0;
}

/** `taskset -c <core> <cmd…>` when pinning, else `<cmd…>`. */
export function pinned(pin: boolean, cmd: string, args: string[]): [string, string[]] {
  return pin ? ['taskset', ['-c', String(SERVER_CORE), cmd, ...args]] : [cmd, args];
}

export interface ProcOptions {
  pin: boolean;
  /** Extra node flags, e.g. --expose-gc, --cpu-prof. */
  nodeFlags?: string[];
}

export class ServerProc {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly info: ReadyInfo,
  ) {
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
    child.on('message', (m: { id?: number; result?: unknown; error?: string }) => {
      const p = m.id === undefined ? undefined : this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id!);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.result);
    });
    child.once('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`server process exited (${code})`));
      this.pending.clear();
    });
  }

  static start(kind: Kind, opts: ProcOptions): Promise<ServerProc> {
    const loader = serverEntry.tsx ? ['--import', 'tsx'] : [];
    const [cmd, args] = pinned(opts.pin, process.execPath, [...(opts.nodeFlags ?? []), ...loader, serverEntry.file, kind]);
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`server process (${kind}) exited with ${code} before it was ready`));
      child.once('exit', onExit);
      child.once('error', reject);
      child.once('message', (m: { ready?: ReadyInfo }) => {
        child.off('exit', onExit);
        if (m.ready) resolve(new ServerProc(child, m.ready));
        else reject(new Error(`unexpected first message ${JSON.stringify(m)}`));
      });
    });
  }

  call<T>(cmd: string, args?: Record<string, number>): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd, args });
    });
  }

  usage(): Promise<Usage> {
    return this.call<Usage>('usage');
  }

  /** Asks the process to close its servers and exit (so that --cpu-prof gets written). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await this.call('exit').catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
