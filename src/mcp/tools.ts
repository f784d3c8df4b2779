import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { z } from 'zod';

export const SERVER_INFO = { name: 'mcp-oauth-test-server', version: '0.1.0' };

/** What whoami reports: the token as the resource server saw it at introspection. */
export interface TokenFacts {
  client_id?: string;
  sub?: string;
  scope: string;
  aud?: string | string[];
  exp?: number;
}

/** An McpServer with the four test tools; `authInfo.extra.facts` feeds whoami. */
export function createToolServer(validator?: jsonSchemaValidator): McpServer {
  const server = new McpServer(SERVER_INFO, { capabilities: { tools: {} }, jsonSchemaValidator: validator });
  server.registerTool(
    'echo',
    { description: 'Returns the message it is given.', inputSchema: { message: z.string().describe('text to echo back') } },
    async ({ message }) => ({ content: [{ type: 'text', text: message }] }),
  );
  server.registerTool(
    'add',
    { description: 'Adds two numbers and returns the sum as text.', inputSchema: { a: z.number().describe('first addend'), b: z.number().describe('second addend') } },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
  );
  // Needs mcp:admin (TOOL_SCOPES, checked before the SDK sees the call): a scope no client gets without asking.
  server.registerTool(
    'admin-echo',
    { description: 'Returns the message it is given; needs the mcp:admin scope (step-up authorization).', inputSchema: { message: z.string().describe('text to echo back') } },
    async ({ message }) => ({ content: [{ type: 'text', text: message }] }),
  );
  server.registerTool(
    'whoami',
    { description: "Describes the access token this call was made with: client_id, sub, scope, aud and expiry.", inputSchema: {} },
    async (_args, extra) => {
      const facts = (extra.authInfo as AuthInfo | undefined)?.extra?.facts as TokenFacts | undefined;
      const body = {
        client_id: facts?.client_id,
        sub: facts?.sub,
        scope: facts?.scope,
        aud: facts?.aud,
        exp: facts?.exp,
        expires_at: facts?.exp ? new Date(facts.exp * 1000).toISOString() : undefined,
      };
      return { content: [{ type: 'text', text: JSON.stringify(body) }] };
    },
  );
  return server;
}
