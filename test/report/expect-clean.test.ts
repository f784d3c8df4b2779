/** expectReportClean (mcp-oauth-test-server/vitest): silent on a clean card, a readable diff otherwise. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { expectReportClean } from '../../src/vitest.js';
import { PlainClient } from '../support/plain-client.js';
import { start } from '../support/servers.js';

let s: RunningServers;
beforeAll(async () => {
  s = await start();
});
afterAll(() => s.close());
beforeEach(() => s.control.reset());

describe('expectReportClean', () => {
  it('passes a clean card, whole or one client', async () => {
    const c = await new PlainClient(s).register();
    await c.login();
    expect(() => expectReportClean(s.report())).not.toThrow();
    expect(() => expectReportClean(s.report(c.clientId)!)).not.toThrow();
  });

  it('throws a plain Error whose message diffs each finding against SUCCESS, with its reason and spec link', async () => {
    const c = await new PlainClient(s).register({ grant_types: ['authorization_code'] });
    await c.login({ resource: false });
    let thrown: unknown;
    try {
      expectReportClean(s.report());
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toBe(
      [
        'report card: 3 check(s) not clean',
        '  - sep-2207-client-metadata-grant-types: SUCCESS',
        `  + sep-2207-client-metadata-grant-types: WARNING (${c.clientId}): Client SHOULD include refresh_token in grant_types (SEP-2207); it sent authorization_code`,
        '      see https://github.com/modelcontextprotocol/modelcontextprotocol/pull/2207',
        '  - resource-parameter-in-authorization: SUCCESS',
        `  + resource-parameter-in-authorization: FAILURE (${c.clientId}): Client MUST include resource in the authorization request (RFC 8707): 1 of 1 had none`,
        '      see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#resource-parameter-implementation',
        '  - resource-parameter-in-token: SUCCESS',
        `  + resource-parameter-in-token: FAILURE (${c.clientId}): Client MUST include resource in token requests (RFC 8707): 1 of 1 had none`,
        '      see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#resource-parameter-implementation',
      ].join('\n'),
    );
  });

  it('allow lets named checks through; warnings: allow lets every WARNING through', async () => {
    const c = await new PlainClient(s).register({ grant_types: ['authorization_code'] });
    await c.login({ resource: false });
    expect(() => expectReportClean(s.report(), { allow: ['sep-2207-client-metadata-grant-types', 'resource-parameter-in-authorization', 'resource-parameter-in-token'] })).not.toThrow();
    expect(() => expectReportClean(s.report(), { allow: ['resource-parameter-in-authorization', 'resource-parameter-in-token'], warnings: 'allow' })).not.toThrow();
    expect(() => expectReportClean(s.report(), { warnings: 'allow' })).toThrow(/^report card: 2 check\(s\) not clean/);
  });
});
