/**
 * V8 settings of the command line's own process. cli.ts imports this module first, so the flags
 * apply before any other module has allocated. The package API (`startServers()`) runs in its users'
 * processes and sets nothing there; the bench's server process applies the same settings through
 * `applyV8Flags()`, so it measures what `npm start` runs.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { NODE_FLAGS } from './node-flags.js';
import type { RunningServers } from '../server.js';

/** Whether this process was started with the cap (its command line or NODE_OPTIONS). */
const youngCapped = (): boolean => {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return NODE_FLAGS.every((f) => given.some((a) => a.startsWith(f.split('=')[0]!)));
};

/**
 * What V8 still reads after startup:
 * - `--semi-space-growth-factor=1`, only when the cap did not arrive (the `bin`, `node dist/cli.js`):
 *   the young generation then keeps its initial 1 MB semi-spaces instead of growing to 16 MB.
 * - `--heap-growing-percent=30`: a full collection once old space grows 30% past what the last one
 *   kept, instead of V8's up to 4×, so garbage promoted under load does not sit in RSS until a reset
 *   (tools/call ended a load at 90 MB instead of 142 MB, for about 5% of /token's throughput).
 * - `--expose-gc`: lets `collectAfterReset` run a full collection after `/control/reset` (in a context
 *   of its own: `gc` is never a global of this process).
 */
export const V8_FLAGS: readonly string[] = [...(youngCapped() ? [] : ['--semi-space-growth-factor=1']), '--heap-growing-percent=30', '--expose-gc'];

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
