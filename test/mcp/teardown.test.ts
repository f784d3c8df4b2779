/**
 * The teardown of a pooled SDK server after its exchange (handler.ts spareTeardown). The SDK's
 * single-exchange transport, which serves every modern exchange and a lone legacy tools/call, closes
 * itself before Protocol._onrequest has dropped the finished call's AbortController; Protocol._onclose
 * aborts every controller it still holds. A finished call must not be aborted; a call still running
 * when its transport closes (its client went away) must be.
 */
import { McpServer, PerRequestHTTPServerTransport, SdkError, SdkErrorCode } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spareTeardown } from '../../src/mcp/handler.js';
import type { RunningServers } from '../../src/server.js';
import { answer } from '../support/answer.js';
import { closesRan, countCloseAborts } from '../support/close-aborts.js';
import { callTool, modernBody, postModern, textOf } from '../support/mcp.js';
import { obtainTokens } from '../support/oauth.js';
import { start } from '../support/servers.js';

const closeAborts = countCloseAborts();

describe('through the servers: finished calls are not aborted', () => {
  let s: RunningServers;
  let token: string;
  beforeAll(async () => {
    s = await start();
    token = (await obtainTokens(s.oauthUrl, { resource: s.mcpUrl })).tokens.access_token;
  });
  afterAll(() => s.close());

  it('modern (2026-07-28) tools/call, one after another and in parallel', async () => {
    const call = async (i: number) => {
      const a = await answer(await postModern(s.mcpUrl, token, modernBody('tools/call', { name: 'echo', arguments: { message: `m${i}` } })));
      expect(a.status, a.text).toBe(200);
      expect(textOf(a.json.result)).toContain(`m${i}`);
    };
    for (let i = 0; i < 20; i++) await call(i);
    await Promise.all(Array.from({ length: 20 }, (_, i) => call(100 + i)));
    await closesRan();
    expect(closeAborts.count()).toBe(0);
  });

  it('a lone legacy tools/call (the same single-exchange transport)', async () => {
    for (let i = 0; i < 20; i++) {
      const a = await callTool(s.mcpUrl, token, 'echo', { message: `l${i}` });
      expect(textOf(a.json.result)).toContain(`l${i}`);
    }
    await closesRan();
    expect(closeAborts.count()).toBe(0);
  });
});

describe('on the SDK objects themselves', () => {
  /** A server whose `wait` tool runs until its call is aborted, and tells how it ended. */
  function waitingServer() {
    const server = new McpServer({ name: 'teardown-test', version: '1.0.0' }, { capabilities: { tools: {} } });
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    let aborted!: (reason: unknown) => void;
    const abortedWith = new Promise<unknown>((r) => (aborted = r));
    server.registerTool('wait', { description: 'Waits until its call is aborted.' }, async (ctx) => {
      const signal = ctx.mcpReq.signal;
      started();
      await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
      aborted(signal.reason);
      return { content: [{ type: 'text', text: 'aborted' }] };
    });
    spareTeardown(server);
    return { server, running, abortedWith };
  }
  const call = { jsonrpc: '2.0' as const, id: 7, method: 'tools/call', params: { name: 'wait', arguments: {} } };

  it('a call still running when its transport closes is aborted with the close error, and the server can serve again', async () => {
    const { server, running, abortedWith } = waitingServer();
    const transport = new PerRequestHTTPServerTransport({ classification: { era: 'legacy', revision: '2025-11-25' }, responseMode: 'json' });
    await server.connect(transport);
    const answered = transport.handleMessage(call, {});
    answered.catch(() => {});
    await running;
    await transport.close();
    const reason = await abortedWith;
    expect(reason).toBeInstanceOf(SdkError);
    expect((reason as SdkError).code).toBe(SdkErrorCode.ConnectionClosed);
    await expect(answered).rejects.toMatchObject({ code: SdkErrorCode.ConnectionClosed });
    // The teardown detached the transport: the instance connects to the next exchange.
    await closesRan();
    const next = new PerRequestHTTPServerTransport({ classification: { era: 'legacy', revision: '2025-11-25' }, responseMode: 'json' });
    await expect(server.connect(next)).resolves.toBeUndefined();
    await next.close();
  });

  it('a close with no call held tears down at once: onclose runs before close() resolves', async () => {
    const { server } = waitingServer();
    let closed = false;
    server.server.onclose = () => (closed = true);
    const transport = new PerRequestHTTPServerTransport({ classification: { era: 'legacy', revision: '2025-11-25' }, responseMode: 'json' });
    await server.connect(transport);
    await transport.close();
    expect(closed).toBe(true);
  });
});
