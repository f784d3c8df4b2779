import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { rsBase, start } from '../support/servers.js';
import { get, post } from '../support/control.js';

let s: RunningServers;
beforeAll(async () => {
  s = await start();
});
afterAll(() => s?.close());

describe('one name per switch at the control plane (issue 11)', () => {
  it('/control/state shows each switch under its path name', async () => {
    const st = await get(s.oauthUrl, '/control/state');
    expect(Object.keys(st.json.switches).sort()).toEqual(['consent', 'deny-consent', 'expires-in', 'force-403', 'invalid-grant', 'rotate', 'step-up'].concat('era').sort());
  });

  it('a switch asked on the wrong server: 404 naming the server and URL that serve it; nothing changes', async () => {
    const onAs = await post(s.oauthUrl, '/control/force-403', '{"on":true}');
    expect(onAs.status).toBe(404);
    expect(onAs.json.error_description).toContain(`force-403 is a switch of the MCP server; POST ${rsBase(s)}/control/force-403`);
    const onRs = await post(rsBase(s), '/control/rotate', '{"on":true}');
    expect(onRs.status).toBe(404);
    expect(onRs.json.error_description).toContain(`rotate is a switch of the authorization server; POST ${s.oauthUrl}/control/rotate`);
    const st = (await get(s.oauthUrl, '/control/state')).json;
    expect(st.switches).toMatchObject({ rotate: false, 'force-403': false });
  });

  it('a scenario alias as a path: 404 with the switch it names', async () => {
    const res = await post(rsBase(s), '/control/bad-scope', '{"on":true}');
    expect(res.status).toBe(404);
    expect(res.json.error_description).toContain('did you mean POST /control/force-403? (bad-scope is the scenario alias of that switch)');
    const alias = await post(rsBase(s), '/control/dead-refresh', '{"on":true}');
    expect(alias.json.error_description).toContain(`invalid-grant is a switch of the authorization server; POST ${s.oauthUrl}/control/invalid-grant`);
  });

  it('a typo: 404 with the nearest control endpoint; far-off names get no guess', async () => {
    expect((await get(s.oauthUrl, '/control/stat')).json.error_description).toContain('did you mean /control/state?');
    expect((await post(s.oauthUrl, '/control/rotat', '{"on":true}')).json.error_description).toContain('did you mean /control/rotate?');
    expect((await get(s.oauthUrl, '/control/zzzzzzzzzzz')).json.error_description).not.toContain('did you mean');
  });
});
