/**
 * The SDK baseline: the official SDK's own stateless Streamable-HTTP server, as its hono example
 * builds it (a new McpServer and a new WebStandardStreamableHTTPServerTransport per request), with the
 * same `echo` tool as the server under test and no auth.
 */
import { serve } from '@hono/node-server';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { z } from 'zod';
import type { Listening } from './baseline-floor.js';

/** As node_modules/@modelcontextprotocol/sdk/dist/esm/examples/server/honoWebStandardStreamableHttp.js. */
export function startSdkBaseline(): Promise<Listening> {
  const getServer = () => {
    const server = new McpServer({ name: 'sdk-baseline', version: '1.0.0' });
    // The same tool as src/mcp/tools.ts.
    server.registerTool(
      'echo',
      { description: 'Returns the message it is given.', inputSchema: { message: z.string().describe('text to echo back') } },
      async ({ message }) => ({ content: [{ type: 'text', text: message }] }),
    );
    return server;
  };
  const app = new Hono();
  app.use(
    '*',
    cors({
      origin: '*',
      allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'mcp-session-id', 'Last-Event-ID', 'mcp-protocol-version'],
      exposeHeaders: ['mcp-session-id', 'mcp-protocol-version'],
    }),
  );
  app.all('/mcp', async (c) => {
    // The example's transport, stateless; JSON responses, as the server under test answers.
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    const server = getServer();
    await server.connect(transport);
    return transport.handleRequest(c.req.raw);
  });
  return new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({ url: `http://127.0.0.1:${info.port}/mcp`, close: () => new Promise((r) => s.close(() => r())) });
    });
  });
}
