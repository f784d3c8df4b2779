/**
 * A legacy (2025-era) exchange ends with its pooled SDK server closed, and that close must come after
 * the SDK has finished the call: Protocol._onclose aborts every request controller it still holds,
 * and a close right after the answer resolved aborted the finished call's own (an abort event, and a
 * "Connection closed" error, per tool call). Through real sockets, both servers in this process.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { callTool, textOf } from '../support/mcp.js';
import { obtainTokens } from '../support/oauth.js';
import { start } from '../support/servers.js';

let s: RunningServers;
let token: string;
beforeAll(async () => {
  s = await start();
  token = (await obtainTokens(s.oauthUrl, { resource: s.mcpUrl })).tokens.access_token;
});
afterAll(() => s.close());

/** Aborts whose reason is the SDK's close error: what a close of a server with a call still held does. */
let closeAborts = 0;
const original = AbortController.prototype.abort;
beforeEach(() => {
  closeAborts = 0;
  AbortController.prototype.abort = function (this: AbortController, reason?: unknown) {
    if (reason instanceof Error && reason.message === 'Connection closed') closeAborts++;
    return original.call(this, reason);
  };
});
afterEach(() => {
  AbortController.prototype.abort = original;
});

const settled = () => new Promise((r) => setTimeout(r, 20));

describe('legacy tools/call: the pooled server is closed once the call is over', () => {
  it('no finished call has its controller aborted by the close', async () => {
    for (let i = 0; i < 20; i++) {
      const a = await callTool(s.mcpUrl, token, 'echo', { message: `m${i}` });
      expect(a.status, a.text).toBe(200);
      expect(textOf(a.json.result)).toContain(`m${i}`);
    }
    await settled();
    expect(closeAborts).toBe(0);
  });

  it('calls in parallel are each answered, and the servers go back to the pool (later calls are served)', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => callTool(s.mcpUrl, token, 'echo', { message: `p${i}` })));
    answers.forEach((a, i) => expect(textOf(a.json.result)).toContain(`p${i}`));
    await settled();
    const again = await callTool(s.mcpUrl, token, 'echo', { message: 'after' });
    expect(textOf(again.json.result)).toContain('after');
    expect(closeAborts).toBe(0);
  });
});
