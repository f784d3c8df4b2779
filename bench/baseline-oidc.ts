/**
 * The oidc-provider peer: node-oidc-provider 9 (koa inside, its own in-memory adapter) with one
 * confidential client (client_secret_basic) allowed `client_credentials`, and introspection on. Its
 * `/token` and `/introspect` are what ours are judged against: the same HTTP work (Basic auth, a form,
 * a store lookup, a JSON answer) done by the most used OAuth server library for Node.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { Listening } from './baseline-floor.js';

export interface OidcPeer extends Listening {
  clientId: string;
  clientSecret: string;
  /** What the client may ask for: our scopes, so both servers answer with a scoped token. */
  scope: string;
}

const SCOPE = 'mcp:read mcp:write';

export async function startOidcPeer(): Promise<OidcPeer> {
  const server = http.createServer();
  // Our servers' keep-alive window, so that neither side's connections are closed mid-run.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'bench';
  const clientSecret = randomBytes(24).toString('base64url');
  // A key and cookie keys of our own: without them it runs on its development keys and says so.
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(url, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'ES256',
        scope: SCOPE,
      },
    ],
    scopes: SCOPE.split(' '),
    features: {
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: () => true },
      devInteractions: { enabled: false },
    },
    // Our paths, so the load sends the same request line to both.
    routes: { token: '/token', introspection: '/introspect' },
    // Our access-token lifetime (TOKEN_TTL_SECONDS' default): tokens stay active for the whole run.
    ttl: { ClientCredentials: 3600 },
    jwks: { keys: [jwk as object] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
  });
  server.on('request', provider.callback());
  return {
    url,
    clientId,
    clientSecret,
    scope: SCOPE,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
