import { McpServer, type AuthInfo, type jsonSchemaValidator } from '@modelcontextprotocol/server';
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

/** What the /mcp chain hands the tools beside the token (`authInfo.extra`). */
export type CallFacts = {
  facts: TokenFacts;
  /** The protocol era the request was served in (see era.ts). */
  era: 'legacy' | 'modern';
  /** The protocol version in force for the request: the envelope's (modern), the MCP-Protocol-Version header's (legacy). */
  protocolVersion: string;
};

/** An McpServer with the test tools; `authInfo.extra` (CallFacts) feeds whoami. */
export function createToolServer(validator?: jsonSchemaValidator): McpServer {
  const server = new McpServer(SERVER_INFO, { capabilities: { tools: {} }, ...(validator && { jsonSchemaValidator: validator }) });
  server.registerTool(
    'echo',
    { description: 'Returns the message it is given.', inputSchema: z.object({ message: z.string().describe('text to echo back') }) },
    async ({ message }) => ({ content: [{ type: 'text', text: message }] }),
  );
  server.registerTool(
    'add',
    { description: 'Adds two numbers and returns the sum as text.', inputSchema: z.object({ a: z.number().describe('first addend'), b: z.number().describe('second addend') }) },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
  );
  // Needs mcp:admin (TOOL_SCOPES, checked before the SDK sees the call): a scope no client gets without asking.
  server.registerTool(
    'admin-echo',
    { description: 'Returns the message it is given; needs the mcp:admin scope (step-up authorization).', inputSchema: z.object({ message: z.string().describe('text to echo back') }) },
    async ({ message }) => ({ content: [{ type: 'text', text: message }] }),
  );
  server.registerTool(
    'whoami',
    {
      description: 'Describes the access token this call was made with (client_id, sub, scope, aud, expiry) and the protocol era and version it was served in.',
      inputSchema: z.object({}),
    },
    async (_args, ctx) => {
      const call = (ctx.http?.authInfo as AuthInfo | undefined)?.extra as CallFacts | undefined;
      const facts = call?.facts;
      const body = {
        client_id: facts?.client_id,
        sub: facts?.sub,
        scope: facts?.scope,
        aud: facts?.aud,
        exp: facts?.exp,
        expires_at: facts?.exp ? new Date(facts.exp * 1000).toISOString() : undefined,
        era: call?.era,
        protocol_version: call?.protocolVersion,
      };
      return { content: [{ type: 'text', text: JSON.stringify(body) }] };
    },
  );
  return server;
}
