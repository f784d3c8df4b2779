/**
 * V8 settings of the command line's own process. cli.ts imports this module first, so the flags
 * apply before any other module has allocated. The package API (`startServers()`) runs in its users'
 * processes and sets nothing there; the bench's server process applies the same settings through
 * `applyV8Flags()`, so it measures what `npm start` runs.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { RunningServers } from '../server.js';

/**
 * `--semi-space-growth-factor=1`: the young generation keeps its initial size (two 1 MB semi-spaces)
 * instead of doubling up to 16 MB each under a burst of requests, which V8 never gives back while
 * the process idles: about 30 MB of RSS after any load, for no measurable throughput (bench/README.md).
 * It is the one young-generation flag V8 still reads after startup; `--max-semi-space-size` is read
 * only when the heap is created, so it would need the node command line.
 *
 * `--expose-gc`: lets `collectAfterReset` run a full collection after `/control/reset` (in a context
 * of its own: `gc` is never a global of this process).
 */
export const V8_FLAGS = ['--semi-space-growth-factor=1', '--expose-gc'] as const;

let collect: (() => void) | undefined;

/** Applies V8_FLAGS to this process (once). */
export function applyV8Flags(): void {
  if (collect) return;
  for (const flag of V8_FLAGS) v8.setFlagsFromString(flag);
  collect = runInNewContext('gc') as () => void;
}

/**
 * After a reset (or a clock advance, which sweeps) everything the store held is garbage, but V8
 * collects its old generation only when allocation fills it, and an idle server allocates nothing:
 * the memory stays taken until the next burst. One full collection right after returns it (tens of
 * milliseconds, once per operator action).
 */
export function collectAfterReset(realm: RunningServers['realm']): void {
  let pending = false;
  realm.events.subscribe((e) => {
    if (e.type !== 'control' || (e.control !== 'reset' && e.control !== 'clock') || pending || !collect) return;
    pending = true;
    // After the answer is sent: the request that asked for the reset does not wait for it.
    setImmediate(() => {
      pending = false;
      collect?.();
    });
  });
}

applyV8Flags();
