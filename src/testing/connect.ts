import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { HeadlessOAuthProvider } from './headless-provider.js';

export interface Connected {
  client: Client;
  transport: StreamableHTTPClientTransport;
  provider: HeadlessOAuthProvider;
}

/**
 * Connects the official SDK client from nothing but the MCP URL, going through consent headlessly
 * when the server asks for authorization (as a host would after the user clicks "Allow").
 */
export async function connectWithConsent(mcpUrl: string, provider = new HeadlessOAuthProvider()): Promise<Connected> {
  const open = async () => {
    const client = new Client({ name: 'mcp-oauth-test-server-client', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
    await client.connect(transport);
    return { client, transport, provider };
  };
  try {
    return await open();
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
    await transport.finishAuth(provider.code);
    return open();
  }
}
