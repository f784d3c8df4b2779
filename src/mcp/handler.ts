import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import { createToolServer } from './tools.js';

const MAX_IDLE_SERVERS = 64;

/**
 * Serves stateless Streamable HTTP with the official SDK. A stateless transport serves one request
 * only, so each request gets a fresh transport; the McpServer behind it (tool registry, schemas,
 * validator) is costly to build, so servers are pooled and each serves one request at a time.
 */
export class McpHandler {
  private readonly idle: McpServer[] = [];
  private readonly validator = new AjvJsonSchemaValidator();

  async handle(request: Request, parsedBody: unknown, authInfo: AuthInfo): Promise<Response> {
    const server = this.idle.pop() ?? createToolServer(this.validator);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request, { parsedBody, authInfo });
    } finally {
      // Closing detaches the transport, which makes the server connectable again.
      await server.close();
      if (this.idle.length < MAX_IDLE_SERVERS) this.idle.push(server);
    }
  }
}
