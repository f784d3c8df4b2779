import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { HeadlessOAuthProvider } from './headless-provider.js';

export interface Connected {
  client: Client;
  transport: StreamableHTTPClientTransport;
  provider: HeadlessOAuthProvider;
}

/**
 * Connects the official SDK client 1.32.x from nothing but the MCP URL, going through consent
 * headlessly when the server asks for authorization (as a host would after the user clicks "Allow").
 * That client is an optional peer dependency, loaded here only: the servers never need it.
 */
export async function connectWithConsent(mcpUrl: string, provider = new HeadlessOAuthProvider()): Promise<Connected> {
  const [{ UnauthorizedError }, { Client }, { StreamableHTTPClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/auth.js'),
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]).catch((err: unknown) => {
    throw new Error(`connectWithConsent drives the MCP SDK 1.32 client: install it beside this package (npm install -D @modelcontextprotocol/sdk@^1.32.2). ${(err as Error).message}`);
  });
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
