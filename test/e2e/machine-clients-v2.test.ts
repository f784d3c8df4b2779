import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, ClientCredentialsProvider, PrivateKeyJwtProvider, StreamableHTTPClientTransport, type OAuthClientProvider } from '@modelcontextprotocol/client';
import type { RunningServers } from '../../src/server.js';
import { start } from '../support/servers.js';
import { introspect } from '../support/oauth.js';
import { sender } from '../support/http.js';
import { textOf } from '../support/mcp.js';
import { clientKey, jwksOf, type ClientKey } from '../support/client-keys.js';

/**
 * The SDK v2 client's machine providers (the MCP ext-auth client-credentials extension, SEP-1046)
 * against clients pre-registered in a CLIENTS_FILE: no browser, no registration, a tool called.
 */
let s: RunningServers;
let es: ClientKey;
let rsa: ClientKey;
const SECRET = 'machine-secret-for-the-sdk';

beforeAll(async () => {
  [es, rsa] = await Promise.all([clientKey('ES256'), clientKey('RS256')]);
  const file = join(mkdtempSync(join(tmpdir(), 'mots-machine-')), 'clients.json');
  writeFileSync(
    file,
    JSON.stringify([
      { client_id: 'sdk-secret', client_name: 'SDK client credentials', token_endpoint_auth_method: 'client_secret_basic', client_secret: SECRET, grant_types: ['client_credentials'] },
      { client_id: 'sdk-jwt', client_name: 'SDK private_key_jwt', token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks: jwksOf(es, rsa), scope: 'mcp:read mcp:write' },
    ]),
  );
  s = await start({ clientsFile: file });
});
afterAll(() => s?.close());

async function callEcho(provider: OAuthClientProvider, message: string): Promise<string> {
  const client = new Client({ name: 'machine-client-v2', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(s.mcpUrl), { authProvider: provider });
  await client.connect(transport);
  try {
    return textOf(await client.callTool({ name: 'echo', arguments: { message } }));
  } finally {
    await client.close();
  }
}

describe('the SDK v2 machine providers against a pre-registered client', () => {
  it('ClientCredentialsProvider (client_secret_basic): connects, calls a tool; the token is the client\'s', async () => {
    const provider = new ClientCredentialsProvider({ clientId: 'sdk-secret', clientSecret: SECRET, expectedIssuer: s.oauthUrl });
    expect(await callEcho(provider, 'by secret')).toBe('by secret');
    const tokens = provider.tokens()!;
    expect(tokens.refresh_token).toBeUndefined();
    expect(await introspect({ req: sender(s.oauthUrl), realm: s.realm }, tokens.access_token)).toMatchObject({
      active: true,
      client_id: 'sdk-secret',
      sub: 'sdk-secret',
      scope: expect.stringContaining('mcp:read'),
      aud: s.mcpUrl,
    });
  });

  it.each([
    ['ES256', () => es],
    ['RS256', () => rsa],
  ])('PrivateKeyJwtProvider (%s): a signed assertion, a tool called', async (alg, key) => {
    const provider = new PrivateKeyJwtProvider({ clientId: 'sdk-jwt', privateKey: key().privateJwk as Record<string, unknown>, algorithm: alg, expectedIssuer: s.oauthUrl });
    expect(await callEcho(provider, `by ${alg}`)).toBe(`by ${alg}`);
    const info = await introspect({ req: sender(s.oauthUrl), realm: s.realm }, provider.tokens()!.access_token);
    expect(info).toMatchObject({ active: true, client_id: 'sdk-jwt', sub: 'sdk-jwt', aud: s.mcpUrl });
    expect((info.scope as string).split(' ').every((x) => ['mcp:read', 'mcp:write', 'mcp:admin'].includes(x))).toBe(true);
  });

  it('the token events name the grant and the clients', () => {
    const tokens = s.realm.events.since(0).flatMap((e) => (e.type === 'request' && e.endpoint === 'token' && e.status === 200 ? [[e.grant, e.clientId]] : []));
    expect(tokens).toEqual(expect.arrayContaining([['client_credentials', 'sdk-secret'], ['client_credentials', 'sdk-jwt']]));
  });
});
