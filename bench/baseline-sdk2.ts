/**
 * The SDK v2 baseline: `createMcpHandler` of @modelcontextprotocol/server 2.x as its documentation
 * serves it (a fresh McpServer from the factory for every request, both eras on one endpoint), with
 * the same `echo` tool as the server under test and no auth, behind a bare Hono app.
 */
import { serve } from '@hono/node-server';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Listening } from './baseline-floor.js';

export function startSdk2Baseline(): Promise<Listening> {
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'sdk2-baseline', version: '1.0.0' });
    server.registerTool(
      'echo',
      { description: 'Returns the message it is given.', inputSchema: z.object({ message: z.string().describe('text to echo back') }) },
      async ({ message }) => ({ content: [{ type: 'text', text: message }] }),
    );
    return server;
  });
  const app = new Hono();
  app.all('/mcp', (c) => handler.fetch(c.req.raw));
  return new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({ url: `http://127.0.0.1:${info.port}/mcp`, close: () => new Promise((r) => s.close(() => r())) });
    });
  });
}
