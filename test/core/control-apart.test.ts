import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient, ControlError } from '../../src/control/client.js';
import type { FaultSpec } from '../../src/faults.js';
import type { RunningServers } from '../../src/server.js';
import { get } from '../support/control.js';
import { start } from '../support/servers.js';
import { postMcp, toolsCallBody } from '../support/mcp.js';
import { obtainTokens as obtain } from '../support/oauth.js';
import { listenResourceServer, spawnAuthServer, type ChildAuthServer, type LocalResourceServer } from '../mcp/processes.js';

/** Tokens for a public client, asked for `resource` (RFC 8707) and optionally `scope`, flattened. */
async function obtainTokens(issuer: string, resource: string, scope?: string) {
  const { clientId, tokens } = await obtain(issuer, { resource, ...(scope ? { params: { scope } } : {}) });
  return { clientId, ...tokens };
}

/**
 * ControlClient manages both servers' faults. Apart (the AS in a child process, the MCP server here
 * with its own realm) each server holds its own; in one process they share one list.
 */

const MCP_FAULT: FaultSpec = { endpoint: 'mcp', rpcMethod: 'tools/call', effect: { kind: 'status', status: 503, body: 'down for the test' } };
const AS_FAULT: FaultSpec = { endpoint: 'token', grant: 'refresh_token', effect: { kind: 'oauth-error', error: 'temporarily_unavailable', status: 503 } };

const ids = (faults: Array<{ id: string }>) => faults.map((f) => f.id).sort();

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('servers apart: each holds its own faults', () => {
  const secret = randomBytes(24).toString('base64url');
  let as: ChildAuthServer;
  let rs: LocalResourceServer;
  let control: ControlClient;

  beforeAll(async () => {
    rs = await listenResourceServer(async (mcpBaseUrl) => {
      as = await spawnAuthServer({ mcpBaseUrl, secret });
      return { oauthBaseUrl: as.url, introspectionClientSecret: secret };
    });
    control = new ControlClient({ oauthUrl: as.url, mcpUrl: rs.mcpUrl });
  });
  afterAll(async () => {
    await rs?.close();
    await as?.stop();
  });
  afterEach(async () => {
    await control.clearFaults();
  });

  it('addFault goes to the server of its endpoint; faults() lists both; removeFault removes the MCP one; clearFaults clears both', async () => {
    const mcpFault = await control.addFault(MCP_FAULT);
    const asFault = await control.addFault(AS_FAULT);
    // Each realm numbers its own faults, and the two numberings never meet.
    expect(mcpFault.id).not.toBe(asFault.id);

    // Held where they strike: the MCP fault by the MCP server only, the token fault by the AS only.
    expect((await get(as.url, '/control/faults')).json.faults.map((f: { endpoint: string }) => f.endpoint)).toEqual(['token']);
    expect((await get(rs.mcpBaseUrl, '/control/faults')).json.faults.map((f: { endpoint: string }) => f.endpoint)).toEqual(['mcp']);
    expect(rs.server.realm.faults.list().map((f) => f.endpoint)).toEqual(['mcp']);

    const both = await control.faults();
    expect(both.faults.map((f) => f.endpoint).sort()).toEqual(['mcp', 'token']);
    expect(both.faults).toEqual(expect.arrayContaining([expect.objectContaining({ ...MCP_FAULT, id: mcpFault.id }), expect.objectContaining({ ...AS_FAULT, id: asFault.id })]));

    // The MCP fault strikes at the MCP server.
    const t = await obtainTokens(as.url, rs.mcpUrl);
    const struck = await postMcp(rs.mcpUrl, toolsCallBody('echo', { message: 'x' }), { Authorization: `Bearer ${t.access_token}` });
    expect(struck.status).toBe(503);
    expect(await struck.text()).toBe('down for the test');

    const afterRemove = await control.removeFault(mcpFault.id);
    expect(afterRemove.faults.map((f) => f.endpoint)).toEqual(['token']);
    expect(rs.server.realm.faults.list()).toEqual([]);
    expect((await get(as.url, '/control/faults')).json.faults.map((f: { id: string }) => f.id)).toEqual([asFault.id]);
    expect((await postMcp(rs.mcpUrl, toolsCallBody('echo', { message: 'x' }), { Authorization: `Bearer ${t.access_token}` })).status).toBe(200);

    await control.addFault(MCP_FAULT);
    expect((await control.faults()).faults).toHaveLength(2);
    const cleared = await control.clearFaults();
    expect(cleared.faults).toEqual([]);
    expect((await get(as.url, '/control/faults')).json.faults).toEqual([]);
    expect((await get(rs.mcpBaseUrl, '/control/faults')).json.faults).toEqual([]);
  });

  it('faults with the same id on both servers are both listed, and removeFault(id) removes it from both', async () => {
    await control.addFault({ ...MCP_FAULT, id: 'same' });
    await control.addFault({ ...AS_FAULT, id: 'same' });
    expect((await control.faults()).faults.map((f) => [f.id, f.endpoint]).sort()).toEqual([
      ['same', 'mcp'],
      ['same', 'token'],
    ]);
    expect((await control.removeFault('same')).faults).toEqual([]);
  });

  it('removing an unknown id rejects with ControlError 404 and removes nothing', async () => {
    await control.addFault(MCP_FAULT);
    await control.addFault(AS_FAULT);
    const err = await rejection(control.removeFault('no-such-fault'));
    expect(err).toBeInstanceOf(ControlError);
    expect((err as ControlError).status).toBe(404);
    expect((err as ControlError).message).toContain('no active fault "no-such-fault"');
    expect((await control.faults()).faults).toHaveLength(2);
  });
});

describe('servers in one process: one list', () => {
  let s: RunningServers;
  beforeAll(async () => {
    s = await start();
  });
  afterAll(() => s?.close());

  it('faults() lists each fault once; removeFault and clearFaults work on the shared list', async () => {
    const mcpFault = await s.control.addFault(MCP_FAULT);
    const asFault = await s.control.addFault(AS_FAULT);
    const named = await s.control.addFault({ endpoint: 'revoke', effect: { kind: 'drop' }, id: 'named' });
    expect(new Set([mcpFault.id, asFault.id, named.id]).size).toBe(3);
    // Both servers answer the same list…
    expect(ids((await get(s.oauthUrl, '/control/faults')).json.faults)).toEqual(ids([mcpFault, asFault, named]));
    expect(ids((await get(new URL(s.mcpUrl).origin, '/control/faults')).json.faults)).toEqual(ids([mcpFault, asFault, named]));
    // …and the client shows it once.
    const listed = await s.control.faults();
    expect(ids(listed.faults)).toEqual(ids([mcpFault, asFault, named]));

    expect(ids((await s.control.removeFault(mcpFault.id)).faults)).toEqual(ids([asFault, named]));
    expect(ids((await s.control.removeFault('named')).faults)).toEqual([asFault.id]);
    const err = await rejection(s.control.removeFault('named'));
    expect(err).toBeInstanceOf(ControlError);
    expect((err as ControlError).status).toBe(404);
    expect((await s.control.clearFaults()).faults).toEqual([]);
    expect(s.realm.faults.list()).toEqual([]);
  });
});
