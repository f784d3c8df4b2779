/**
 * What one kept authorization costs in heap: GET /authorize then POST /token (code + PKCE), through
 * the AS app in process, as many times as asked; then the heap growth after GC, per grant. It is
 * what the authorization_code case's RSS grows by, without the load generator's throughput in it
 * (that case mints as many codes as its rate allows). Run in a process started with --expose-gc.
 */
import { createAuthServer } from '../src/server.js';
import { pkce } from '../test/support/pkce.js';

export interface GrantFootprint {
  grants: number;
  /** Heap growth after GC per kept grant (its code, spent, and its access and refresh tokens), bytes. */
  opaque: number;
  /** The same with ACCESS_TOKEN_FORMAT=jwt. */
  jwt: number;
}

const REDIRECT = 'http://127.0.0.1:53682/callback';
const ORIGIN = 'http://127.0.0.1:9100';

async function settledHeap(gc: () => void): Promise<number> {
  // A few turns of the event loop between collections: what requests in process leave for a
  // FinalizationRegistry (undici's AbortSignals) is released only then.
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setTimeout(r, 20));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

async function perGrant(format: 'opaque' | 'jwt', n: number, gc: () => void): Promise<number> {
  const as = createAuthServer({ accessTokenFormat: format });
  try {
    const headers = { host: new URL(ORIGIN).host };
    const registered = await as.app.request(`${ORIGIN}/register`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'bench', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' }),
    });
    const { client_id: clientId } = (await registered.json()) as { client_id: string };
    const { verifier, challenge } = pkce();
    const resource = as.realm.urls.resource;
    const query = { response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', scope: 'mcp:read mcp:write', state: 'bench', resource };
    const path = `/authorize?${new URLSearchParams(query)}`;
    const grant = async () => {
      const visit = await as.app.request(`${ORIGIN}${path}`, { headers });
      const code = new URL(visit.headers.get('location') ?? `${ORIGIN}/`).searchParams.get('code');
      if (!code) throw new Error(`GET /authorize answered ${visit.status}: ${await visit.text()}`);
      const body = new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId, code, code_verifier: verifier, redirect_uri: REDIRECT, resource }).toString();
      const tokens = await as.app.request(`${ORIGIN}/token`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body });
      if (tokens.status !== 200) throw new Error(`POST /token answered ${tokens.status}: ${await tokens.text()}`);
      await tokens.text();
    };
    const run = async (count: number) => {
      for (let i = 0; i < count; i++) {
        await grant();
        if (i % 100 === 99) await new Promise(setImmediate);
      }
    };
    // Warm: the first grants build shapes, maps and the events ring (bounded) that later ones reuse.
    await run(2000);
    const before = await settledHeap(gc);
    await run(n);
    return Math.round(((await settledHeap(gc)) - before) / n);
  } finally {
    as.realm.close();
  }
}

export async function grantFootprint(n: number): Promise<GrantFootprint> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  return { grants: n, opaque: await perGrant('opaque', n, gc), jwt: await perGrant('jwt', n, gc) };
}
