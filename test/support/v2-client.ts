import { Client, StreamableHTTPClientTransport, UnauthorizedError, type ClientOptions, type StreamableHTTPClientTransportOptions } from '@modelcontextprotocol/client';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { bearerChallenge } from './www-authenticate.js';

/**
 * The SDK v2 client (@modelcontextprotocol/client) connected through consent with the headless
 * provider. It lives here, not in src/testing beside connectWithConsent: it needs the v2 client at
 * runtime, a dev dependency of this package.
 */
export interface ConnectedV2 {
  client: Client;
  transport: StreamableHTTPClientTransport;
  provider: HeadlessOAuthProvider;
}

export interface V2Options {
  /** Client options: `versionNegotiation` chooses the mode (default legacy initialize). */
  client?: ClientOptions;
  /** Transport options besides the provider (never skipIssuerMetadataValidation here unless a test says why). */
  transport?: Omit<StreamableHTTPClientTransportOptions, 'authProvider'>;
}

export function openV2(mcpUrl: string, provider: HeadlessOAuthProvider, options: V2Options = {}): ConnectedV2 {
  const client = new Client({ name: 'mcp-oauth-test-server-v2-client', version: '1.0.0' }, options.client);
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { ...options.transport, authProvider: provider });
  return { client, transport, provider };
}

/**
 * Connects from nothing but the MCP URL. On UnauthorizedError (the client sent the browser to
 * /authorize), it hands the redirect's parameters to finishAuth, which checks `iss` (RFC 9207) before
 * it redeems the code, then connects again, as a host does after the user's consent.
 */
export async function connectWithConsentV2(mcpUrl: string, provider = new HeadlessOAuthProvider(), options: V2Options = {}): Promise<ConnectedV2> {
  const first = openV2(mcpUrl, provider, options);
  try {
    await first.client.connect(first.transport);
    return first;
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
  }
  await first.transport.finishAuth(provider.callbackParams);
  await first.client.close();
  const again = openV2(mcpUrl, provider, options);
  await again.client.connect(again.transport);
  return again;
}

/** A call that needs a new consent first (step-up, a dead refresh token): consent, finishAuth, call again. */
export async function afterConsent<T>(c: ConnectedV2, call: () => Promise<T>): Promise<T> {
  const first = await call().then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(first instanceof UnauthorizedError)) throw new Error(`expected the call to end in a redirect to consent (UnauthorizedError), got ${String(first)}`);
  await c.transport.finishAuth(c.provider.callbackParams);
  return call();
}

/** A Bearer challenge the client was given by /mcp, as it saw it. */
export interface SeenChallenge {
  status: number;
  params: Record<string, string>;
}

/**
 * A fetch for the transport that notes every 401/403 challenge /mcp answered: what the client under
 * test was told, read off the very responses it then acted on.
 */
export function challengeRecorder(): { fetch: (url: string | URL, init?: RequestInit) => Promise<Response>; seen: SeenChallenge[] } {
  const seen: SeenChallenge[] = [];
  return {
    seen,
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      if ((res.status === 401 || res.status === 403) && new URL(url).pathname.endsWith('/mcp')) seen.push({ status: res.status, params: bearerChallenge(res) });
      return res;
    },
  };
}
