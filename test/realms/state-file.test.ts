import { describe, expect, it } from 'vitest';
import { callTool } from '../support/mcp.js';
import { obtainTokens, refreshGrant } from '../support/oauth.js';
import { post } from '../support/control.js';
import { start } from '../support/servers.js';
import { readState, stateFilePath } from '../support/state-file.js';

describe('realms in STATE_FILE', () => {
  it('a created realm is written under its id and made again at the next start, its tokens still good', async () => {
    const { file } = stateFilePath();
    const first = await start({ stateFile: file });
    let tokens;
    let clientId;
    try {
      const realm = await first.createRealm({ id: 'kept' });
      ({ tokens, clientId } = await obtainTokens(realm.issuer, { resource: realm.mcpUrl }));
      await realm.control.rotate(true);
      await expect.poll(() => Object.keys(readState(file)?.realms ?? {}).sort(), { timeout: 10_000 }).toEqual(['default', 'kept']);
    } finally {
      await first.close();
    }
    expect(readState(file)!.realms.kept.policy).toEqual({ rotateRefreshTokens: true });

    // The same ports are not needed: the realm lives under /r/kept of whatever the servers bind.
    const again = await start({ stateFile: file });
    try {
      expect(again.realms.list().map((r) => r.id)).toEqual(['kept']);
      const kept = again.realms.get('kept')!;
      expect(kept.policy.rotateRefreshTokens).toBe(true);
      expect(await kept.store.countClients()).toBe(1);
      const refreshed = await refreshGrant(`${again.oauthUrl}/r/kept`, clientId!, tokens!.refresh_token!);
      expect(refreshed.status).toBe(200);
      // Another audience than before (another port); its new access token works at its new /mcp only.
      const fresh = await obtainTokens(`${again.oauthUrl}/r/kept`, { resource: `${new URL(again.mcpUrl).origin}/r/kept/mcp` });
      expect((await callTool(`${new URL(again.mcpUrl).origin}/r/kept/mcp`, fresh.tokens.access_token)).status).toBe(200);
      expect(await again.realm.store.countClients()).toBe(0);
    } finally {
      await again.close();
    }
  });

  it('a realm comes back as it was created: its creation policy (what reset returns to) and its TTL', async () => {
    const { file } = stateFilePath();
    const first = await start({ stateFile: file });
    try {
      const realm = await first.createRealm({ id: 'made', policy: { accessTokenTtlSeconds: 77 }, ttlSeconds: 900 });
      await realm.control.expiresIn(5);
      await expect.poll(() => readState(file)?.realms.made?.created, { timeout: 10_000 }).toEqual({ policy: { accessTokenTtlSeconds: 77 }, ttlSeconds: 900 });
      await expect.poll(() => readState(file)?.realms.made?.policy, { timeout: 10_000 }).toEqual({ accessTokenTtlSeconds: 5 });
    } finally {
      await first.close();
    }
    const again = await start({ stateFile: file });
    try {
      const made = again.realms.get('made')!;
      expect(made.policy.accessTokenTtlSeconds).toBe(5);
      expect(again.realms.list()).toEqual([expect.objectContaining({ id: 'made', ttlSeconds: 900 })]);
      await made.reset();
      expect(made.policy.accessTokenTtlSeconds).toBe(77);
    } finally {
      await again.close();
    }
  });

  it('a deleted realm leaves the file; the server stopping does not', async () => {
    const { file } = stateFilePath();
    const s = await start({ stateFile: file });
    try {
      await s.createRealm({ id: 'brief' });
      await s.createRealm({ id: 'stays' });
      await expect.poll(() => Object.keys(readState(file)?.realms ?? {}).sort(), { timeout: 10_000 }).toEqual(['brief', 'default', 'stays']);
      expect(s.realms.delete('brief')).toBe(true);
      await expect.poll(() => Object.keys(readState(file)?.realms ?? {}).sort(), { timeout: 10_000 }).toEqual(['default', 'stays']);
    } finally {
      await s.close();
    }
    expect(Object.keys(readState(file)!.realms).sort()).toEqual(['default', 'stays']);
  });

  it('refuses to create a realm named default, the default realm’s name in the file', async () => {
    const s = await start();
    try {
      const r = await post(s.oauthUrl, '/control/realms', '{"id":"default"}');
      expect(r.status).toBe(400);
      expect(r.json.error_description).toContain("default is the default realm's name");
      expect(s.realms.size).toBe(0);
    } finally {
      await s.close();
    }
  });
});
