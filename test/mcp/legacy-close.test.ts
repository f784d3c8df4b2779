/**
 * The legacy (2025-era) leg, both of its SDK transports, through real sockets (both servers in this
 * process). A lone tools/call takes the SDK's single-exchange transport; everything else (here a
 * batch, tools/list) the streamable HTTP transport. Both must answer alike, and the pooled servers
 * must come back: the streamable leg closes its server after the SDK has finished the call, since
 * Protocol._onclose aborts every request controller it still holds (a close right after the answer
 * aborted the finished call's own: an abort event and a Connection closed error per call).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { answer } from '../support/answer.js';
import { closesRan, countCloseAborts } from '../support/close-aborts.js';
import { bearer } from '../support/http.js';
import { callTool, postMcp, rpc, rpcBody, textOf } from '../support/mcp.js';
import { obtainTokens } from '../support/oauth.js';
import { start } from '../support/servers.js';

let s: RunningServers;
let token: string;
beforeAll(async () => {
  s = await start();
  token = (await obtainTokens(s.oauthUrl, { resource: s.mcpUrl })).tokens.access_token;
});
afterAll(() => s.close());

const closeAborts = countCloseAborts();

const withoutId = (m: { id?: unknown }) => ({ ...m, id: undefined });

describe('a lone tools/call and the same call in a batch of one are answered alike', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['a result', { name: 'echo', arguments: { message: 'same' } }],
    ['an unknown tool', { name: 'no-such-tool', arguments: {} }],
    ['arguments the schema refuses', { name: 'echo', arguments: { message: 5 } }],
    ['no arguments at all', { name: 'add' }],
  ];
  for (const [what, params] of cases) {
    it(what, async () => {
      const lone = await answer(await postMcp(s.mcpUrl, rpcBody('tools/call', params), bearer(token)));
      const batch = await answer(await postMcp(s.mcpUrl, [rpcBody('tools/call', params)], bearer(token)));
      expect(lone.status, lone.text).toBe(200);
      expect(batch.status, batch.text).toBe(200);
      expect(lone.headers.get('content-type')).toMatch(/^application\/json/);
      // The streamable transport answers a batch of one with the one answer, not an array.
      expect(withoutId(lone.json)).toEqual(withoutId(Array.isArray(batch.json) ? batch.json[0] : batch.json));
    });
  }
});

describe('the streamable HTTP leg closes its pooled server once the call is over', () => {
  it('no finished call has its controller aborted by the close', async () => {
    for (let i = 0; i < 20; i++) {
      const a = await rpc(s.mcpUrl, token, 'tools/list');
      expect(a.status, a.text).toBe(200);
      expect(a.json.result.tools.length).toBeGreaterThan(0);
    }
    await closesRan();
    expect(closeAborts.count()).toBe(0);
  });
});

describe('both legs under parallel calls', () => {
  it('each call is answered with its own result, and calls after them are served', async () => {
    const calls = await Promise.all(Array.from({ length: 30 }, (_, i) => callTool(s.mcpUrl, token, 'echo', { message: `p${i}` })));
    calls.forEach((a, i) => expect(textOf(a.json.result)).toContain(`p${i}`));
    const lists = await Promise.all(Array.from({ length: 30 }, () => rpc(s.mcpUrl, token, 'tools/list')));
    lists.forEach((a) => expect(a.status).toBe(200));
    await closesRan();
    const again = await callTool(s.mcpUrl, token, 'echo', { message: 'after' });
    expect(textOf(again.json.result)).toContain('after');
  });
});
