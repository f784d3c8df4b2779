import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { DEFAULT_REALM, StateFile } from '../../src/persist/state-file.js';
import { bindConfig, Realm } from '../../src/realm.js';
import { obtainTokens } from '../support/oauth.js';
import { start } from '../support/servers.js';
import { readState, stateFilePath } from '../support/state-file.js';

const realmOf = () => new Realm(bindConfig(resolveConfig({ oauthBaseUrl: 'http://localhost:9100', mcpBaseUrl: 'http://localhost:9101' })));

describe('STATE_FILE holds a map of realm id → snapshot', () => {
  it('a realm in the file that no server attached is written back as it was; attach restores it, detach drops it', async () => {
    const { file } = stateFilePath();
    const s = await start({ stateFile: file });
    await obtainTokens(s.oauthUrl);
    await s.close();
    const saved = readState(file)!;
    // A second realm, as a later run with several realms would have left it.
    writeFileSync(file, JSON.stringify({ ...saved, realms: { ...saved.realms, other: saved.realms.default } }));

    const again = await start({ stateFile: file });
    try {
      await again.control.rotate(true);
      await expect.poll(() => readState(file)?.realms.default.policy, { timeout: 10_000 }).toEqual({ rotateRefreshTokens: true });
      expect(readState(file)!.realms.other).toEqual(saved.realms.default);
    } finally {
      await again.close();
    }

    const state = await StateFile.open(file);
    const other = realmOf();
    try {
      await state.attach('other', other);
      expect((await other.store.counts()).clients).toBe(1);
      other.setPolicy({ codeTtlSeconds: 10 });
      other.events.record({ server: 'oauth', type: 'control', control: 'policy', method: 'POST', path: '/control/policy', status: 200, ms: 0, outcome: 'changed' });
      await state.flush();
      expect(readState(file)!.realms.other.policy).toEqual({ codeTtlSeconds: 10 });
      expect(readState(file)!.realms[DEFAULT_REALM].policy).toEqual({ rotateRefreshTokens: true });
      state.detach('other');
      await state.flush();
      expect(Object.keys(readState(file)!.realms)).toEqual([DEFAULT_REALM]);
    } finally {
      await state.close();
      other.close();
    }
  });
});
