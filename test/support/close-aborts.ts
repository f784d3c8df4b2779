import { afterEach, beforeEach } from 'vitest';

/**
 * Counts aborts whose reason is the SDK's close error: what Protocol._onclose does to every request
 * controller it still holds when a server's transport closes. Call once in a test file; read
 * `count()` in a test (it starts at 0 in each).
 */
export function countCloseAborts(): { count: () => number } {
  let n = 0;
  const original = AbortController.prototype.abort;
  beforeEach(() => {
    n = 0;
    AbortController.prototype.abort = function (this: AbortController, reason?: unknown) {
      if (reason instanceof Error && reason.message === 'Connection closed') n++;
      return original.call(this, reason);
    };
  });
  afterEach(() => {
    AbortController.prototype.abort = original;
  });
  return { count: () => n };
}

/**
 * Waits until the pooled servers' deferred closes have run. handler.ts queues them with setImmediate
 * (the streamable leg's flush, spareTeardown while a controller is held) before the answer is
 * written, so once a test has read its answers they are ahead of this one in the queue.
 */
export const closesRan = () => new Promise((r) => setImmediate(r));
