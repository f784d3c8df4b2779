import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, resolveConfig } from '../../src/config.js';
import type { RunningServers } from '../../src/server.js';
import { start } from '../support/servers.js';
import { REDIRECT, authorize, codeGrantParams, register } from '../support/oauth.js';
import { basic, form, sender } from '../support/http.js';
import { freePorts } from '../support/ports.js';
import { readState, stateFilePath } from '../support/state-file.js';
import { runCli } from '../cli/run-cli.js';

const SECRET = 'a-long-client-secret-never-printed';
const MACHINE = { client_id: 'machine', token_endpoint_auth_method: 'client_secret_basic', client_secret: SECRET, grant_types: ['client_credentials'] } as const;
const WEB = { client_id: 'web', token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT], client_name: 'Web app' } as const;

const tempFile = (name: string, text: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'mots-clients-')), name);
  writeFileSync(file, text);
  return file;
};
const ccWith = (base: string, secret = SECRET) => sender(base)('/token', form({ grant_type: 'client_credentials' }, basic('machine', secret)));

describe('CLIENTS_FILE: refused at startup in one line that names the rule and never a value', () => {
  const key = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' };
  const cases: Array<[string, unknown, RegExp]> = [
    ['not an array', { client_id: 'x' }, /^clients: /],
    ['no client_id', [{ token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT] }], /^clients \[0\]\.client_id: /],
    ['a client_id with a space', [{ ...WEB, client_id: 'a b' }], /\[0\]\.client_id: 1 to 255 printable ASCII/],
    ['the same client_id twice', [WEB, WEB], /\[1\]\.client_id: "web" is listed twice/],
    ['an unknown auth method', [{ ...WEB, token_endpoint_auth_method: 'client_secret_jwt' }], /\[0\]\.token_endpoint_auth_method: /],
    ['a secret method without a secret', [{ ...MACHINE, client_secret: undefined }], /\[0\]\.client_secret: client_secret_basic needs a client_secret/],
    ['a public client with a secret', [{ ...WEB, client_secret: SECRET }], /\[0\]\.client_secret: a public client/],
    ['a public client with client_credentials', [{ ...WEB, grant_types: ['client_credentials'] }], /\[0\]\.grant_types: client_credentials needs a confidential client/],
    ['private_key_jwt without jwks', [{ client_id: 'k', token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'] }], /\[0\]\.jwks: private_key_jwt needs/],
    ['private_key_jwt with a jwks_uri', [{ client_id: 'k', token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks_uri: 'https://k.example/jwks' }], /\[0\]\.jwks_uri: is not fetched by this server yet: give the public keys inline as jwks/],
    ['a private key in jwks', [{ client_id: 'k', token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks: { keys: [{ ...key, d: SECRET }] } }], /\[0\]\.jwks\.keys\[0\]: a public key/],
    ['the code grant without redirect_uris', [{ ...MACHINE, grant_types: ['authorization_code'] }], /\[0\]\.redirect_uris: the authorization_code grant needs/],
    ['an unknown grant', [{ ...MACHINE, grant_types: ['password'] }], /\[0\]\.grant_types\[0\]: /],
    ['a redirect URI with a fragment', [{ ...WEB, redirect_uris: ['http://127.0.0.1/cb#x'] }], /\[0\]\.redirect_uris\[0\]: an absolute URI without a fragment/],
    ['an unknown member', [{ ...MACHINE, client_secret_typo: SECRET }], /\[0\]: /],
    ['a scope not in SCOPES', [{ ...MACHINE, scope: 'mcp:read other:thing' }], /\[0\]\.scope: other:thing not in SCOPES/],
    ['the introspection client id', [{ ...MACHINE, client_id: 'mcp-resource-server' }], /\[0\]\.client_id: is INTROSPECTION_CLIENT_ID/],
  ];
  it.each(cases)('%s', (_name, clients, describes) => {
    let err: unknown;
    try {
      resolveConfig({ clients: clients as never });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toMatch(describes);
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain('\n');
  });

  it.each([
    ['not JSON (a secret beside the error)', `[{"client_id": "m", "client_secret": "${SECRET}", }]`, /^CLIENTS_FILE \S+ is not JSON \(line 1\): expected an array of client records$/],
    ['a record refused', JSON.stringify([{ ...MACHINE, client_secret: 'short' }]), /^CLIENTS_FILE \S+ \[0\]\.client_secret: at least 8 characters$/],
  ])('a file: %s', (_name, text, describes) => {
    const file = tempFile('clients.json', text);
    expect(() => resolveConfig({ clientsFile: file })).toThrow(describes);
  });

  it('a missing file', () => {
    expect(() => resolveConfig({ clientsFile: '/nonexistent/clients.json' })).toThrow(/^CLIENTS_FILE \/nonexistent\/clients.json cannot be read \(ENOENT\)$/);
  });

  it('the built CLI: exit 1, one line on stderr, no stack, no secret', async () => {
    const file = tempFile('clients.json', JSON.stringify([{ ...MACHINE, token_endpoint_auth_method: 'none' }]));
    const r = await runCli(['start', '--clients-file', file], { env: { OAUTH_PORT: '0', MCP_PORT: '0' } });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/CLIENTS_FILE .*\[0\]\.client_secret: a public client/);
    expect(r.stderr + r.stdout).not.toContain(SECRET);
  });
});

describe('pre-registered clients live in every realm, from startup and after a reset', () => {
  let s: RunningServers;
  beforeAll(async () => {
    s = await start({ clientsFile: tempFile('clients.json', JSON.stringify([MACHINE, WEB])) });
  });
  afterAll(() => s?.close());

  it('usable at once: client_credentials with the secret, the code grant for the public one', async () => {
    expect((await ccWith(s.oauthUrl)).status).toBe(200);
    const a = await authorize(s.oauthUrl, 'web');
    expect((await sender(s.oauthUrl)('/token', form(codeGrantParams('web', a)))).status).toBe(200);
  });

  it('/control/state counts them; the secret is in no control answer', async () => {
    const res = await fetch(`${s.oauthUrl}/control/state`);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ preregistered: { count: 2, clientIds: ['machine', 'web'] }, live: { clients: 2 } });
    expect(text).not.toContain(SECRET);
  });

  it('a reset drops registered clients and keeps the pre-registered ones', async () => {
    const registered = await register(s.oauthUrl);
    await s.control.reset();
    expect(await s.realm.store.findClient(registered.client_id)).toBeUndefined();
    expect((await s.realm.store.clientIds()).sort()).toEqual(['machine', 'web']);
    expect((await ccWith(s.oauthUrl)).status).toBe(200);
  });

  it('a created realm has them too, and its own reset keeps them', async () => {
    const r = await s.createRealm();
    try {
      expect((await ccWith(r.issuer)).status).toBe(200);
      await r.control.reset();
      expect((await r.realm.store.clientIds()).sort()).toEqual(['machine', 'web']);
    } finally {
      r.delete();
    }
  });
});

describe('pre-registered clients and STATE_FILE: not saved, never duplicated or dropped by a restore', () => {
  it('a restart with the same file brings each back once, with the secret the configuration gives now', async () => {
    const ports = await freePorts();
    const { file } = stateFilePath();
    const run = (clients: unknown[]) => start({ oauthPort: ports.oauth, mcpPort: ports.mcp, stateFile: file, clients: clients as never });
    const first = await run([MACHINE, WEB]);
    const registered = await register(first.oauthUrl);
    await first.close();
    const saved = readState(file)!;
    const ids = (saved.realms.default.store.clients as Array<{ client_id: string }>).map((c) => c.client_id);
    expect(ids).toEqual([registered.client_id]);
    expect(JSON.stringify(saved)).not.toContain(SECRET);

    const second = await run([{ ...MACHINE, client_secret: 'the-secret-rotated-in-config' }, WEB]);
    try {
      expect((await second.realm.store.clientIds()).sort()).toEqual([registered.client_id, 'machine', 'web'].sort());
      expect((await second.control.state()).live.clients).toBe(3);
      await expect(ccWith(second.oauthUrl).then((r) => r.status)).resolves.toBe(401);
      expect((await ccWith(second.oauthUrl, 'the-secret-rotated-in-config')).status).toBe(200);
    } finally {
      await second.close();
    }
  });
});
