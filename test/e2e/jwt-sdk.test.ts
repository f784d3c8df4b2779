import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { connectWithConsent, type Connected } from '../../src/testing/connect.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { get, post } from '../support/control.js';
import { callTool, textOf } from '../support/mcp.js';
import { obtainTokens } from '../support/oauth.js';
import { freePorts } from '../support/ports.js';
import { start } from '../support/servers.js';
import { readState, stateFilePath } from '../support/state-file.js';

const TTL = 120;
const AHEAD = 30;
const GRACE = 600;
const JWT_SETUP = { accessTokenFormat: 'jwt', mcpTokenValidation: 'jwt' } as const;

const kidOf = (token: string | undefined) => decodeProtectedHeader(token!).kid;

/**
 * The official SDK client (1.32.2) against ACCESS_TOKEN_FORMAT=jwt and MCP_TOKEN_VALIDATION=jwt,
 * through a key rotation: it never sees a key, yet every token it is given verifies at the MCP
 * server, before, during and after the rotation, with one consent. Real sockets.
 */
describe('the SDK client with JWT access tokens validated locally, through a key rotation', () => {
  let s: RunningServers;
  let c: Connected;
  const echo = async (message: string) => textOf(await c.client.callTool({ name: 'echo', arguments: { message } }));
  const advance = (seconds: number) => post(s.oauthUrl, '/control/clock', JSON.stringify({ advance: seconds }));

  beforeAll(async () => {
    s = await start({ ...JWT_SETUP, tokenTtlSeconds: TTL });
    c = await connectWithConsent(s.mcpUrl, new HeadlessOAuthProvider());
  });
  afterAll(async () => {
    await c?.client.close();
    await s.close();
  });

  it('connects and calls a tool with a JWT (RFC 9068) the MCP server validated itself', async () => {
    expect(await echo('one')).toContain('one');
    expect(decodeProtectedHeader(c.provider.savedTokens!.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'RS256' });
    // Validated locally: the MCP server never introspected.
    const { events } = await s.control.events(0);
    expect(events.filter((e) => e.type === 'request' && e.endpoint === 'introspect')).toEqual([]);
    expect(events.filter((e) => e.type === 'request' && e.endpoint === 'jwks').length).toBeGreaterThanOrEqual(1);
  });

  it('keeps working through a rotation: the old key until the new one signs, the new key after, one consent', async () => {
    const before = kidOf(c.provider.savedTokens?.access_token);
    // Through ControlClient, as a user's test would.
    const rotated = await s.control.rotateKeys({ publishAheadSeconds: AHEAD, graceSeconds: GRACE });
    const next = rotated.keys.find((k) => k.state === 'next')!.kid;
    expect(await echo('during')).toContain('during');
    // Past the token's lifetime and the publish-ahead time: the SDK refreshes, the new key signed it.
    await advance(TTL + 61);
    expect(await echo('after')).toContain('after');
    const after = kidOf(c.provider.savedTokens?.access_token);
    expect(after).toBe(next);
    expect(after).not.toBe(before);
    // Past the grace period the old key is gone; the client does not notice.
    await advance(GRACE);
    expect((await get(s.oauthUrl, '/jwks')).json.keys.map((k: { kid: string }) => k.kid)).toEqual([next]);
    expect(await echo('later')).toContain('later');
    expect(c.provider.authorizations).toBe(1);
  });
});

describe('signing keys in STATE_FILE: a JWT issued before a restart validates after it', () => {
  it('keeps every key, its state and times; tokens of the signing and the retiring key both pass', async () => {
    const ports = await freePorts();
    const { file } = stateFilePath();
    const run = () => start({ ...JWT_SETUP, tokenTtlSeconds: 600, oauthPort: ports.oauth, mcpPort: ports.mcp, stateFile: file });
    const first = await run();
    let old: string;
    let fresh: string;
    let keysBefore: unknown;
    try {
      old = (await obtainTokens(first.oauthUrl, { resource: first.mcpUrl })).tokens.access_token;
      await post(first.oauthUrl, '/control/keys/rotate', '{"publishAheadSeconds":0}');
      fresh = (await obtainTokens(first.oauthUrl, { resource: first.mcpUrl })).tokens.access_token;
      expect(kidOf(fresh)).not.toBe(kidOf(old));
      keysBefore = (await first.control.keys()).keys;
    } finally {
      await first.close();
    }
    const kept = readState(file)!.realms.default.keys;
    expect(kept).toHaveLength(2);
    expect(kept[0].privateJwk).toMatchObject({ kty: 'RSA', d: expect.any(String) });

    const second = await run();
    try {
      expect((await get(second.oauthUrl, '/control/keys')).json.keys).toEqual(keysBefore);
      for (const t of [fresh, old]) {
        const res = await callTool(second.mcpUrl, t);
        expect(res.status, res.text).toBe(200);
      }
      // And the realm signs on with the key it had.
      expect(kidOf((await obtainTokens(second.oauthUrl)).tokens.access_token)).toBe(kidOf(fresh));
    } finally {
      await second.close();
    }
  });
});
