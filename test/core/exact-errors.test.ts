import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { rsBase, start } from '../support/servers.js';
import { form } from '../support/http.js';
import { obtainTokens } from '../support/oauth.js';
import { MCP_HEADERS, toolsListBody } from '../support/mcp.js';

let s: RunningServers;
let locked: RunningServers;
beforeAll(async () => {
  [s, locked] = await Promise.all([start(), start({ controlToken: 'ctl-secret-1234' })]);
});
afterAll(() => Promise.all([s?.close(), locked?.close()]));

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body: JSON.stringify(body) });

describe('errors are ASCII-clean and exact (issue 11)', () => {
  it('WWW-Authenticate stays ASCII: § is spelt "section"', async () => {
    const res = await post(`${s.mcpUrl}?access_token=abc`, toolsListBody());
    expect(res.status).toBe(400);
    const header = res.headers.get('www-authenticate')!;
    expect(header).toMatch(/^[\x20-\x7e]+$/);
    expect(header).toContain('RFC 6750 section 2.1');
  });

  it('a § in an injected description reads "section" in the header and stays in the JSON body', async () => {
    const fault = { endpoint: 'mcp', effect: { kind: 'oauth-error', error: 'invalid_token', description: 'see RFC 6750 §3.1 → refresh' }, times: 1 };
    expect((await fetch(`${rsBase(s)}/control/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) })).status).toBe(201);
    const { tokens } = await obtainTokens(s.oauthUrl);
    const res = await post(s.mcpUrl, toolsListBody(), { Authorization: `Bearer ${tokens.access_token}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error_description="see RFC 6750 section 3.1 -> refresh"');
    expect(((await res.json()) as { error_description: string }).error_description).toBe('see RFC 6750 §3.1 → refresh');
  });

  it('no credentials: no error code in the challenge nor in the body (RFC 6750 §3.1)', async () => {
    const res = await post(s.mcpUrl, toolsListBody());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).not.toContain('error=');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('error');
    expect(body.error_description).toMatch(/Bearer access token is required/);
  });

  it('POST /introspect without credentials says exactly what it accepts', async () => {
    const res = await fetch(`${s.oauthUrl}/introspect`, form({ token: 'x' }));
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_client');
    expect(body.error_description).toBe(
      'client authentication required: send Authorization: Basic base64(urlencode(client_id):urlencode(client_secret)) (client_secret_basic), or client_id and client_secret in the form body (client_secret_post); the MCP server sends INTROSPECTION_CLIENT_ID "mcp-resource-server" with its secret',
    );
  });

  it('control answers end with a newline, errors too', async () => {
    for (const res of [await fetch(`${s.oauthUrl}/control/state`), await fetch(`${rsBase(s)}/control/nope`), await fetch(`${s.oauthUrl}/control/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"advance":-1}' })]) {
      expect((await res.text()).endsWith('}\n')).toBe(true);
    }
  });

  it('a locked control plane: no token, no error code; a wrong token, invalid_token', async () => {
    const none = await fetch(`${locked.oauthUrl}/control/state`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="control"');
    expect(await none.json()).not.toHaveProperty('error');
    const wrong = await fetch(`${locked.oauthUrl}/control/state`, { headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(((await wrong.json()) as { error: string }).error).toBe('invalid_token');
  });
});
