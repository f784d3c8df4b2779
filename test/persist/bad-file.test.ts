import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StartupError } from '../../src/http/listen.js';
import { STATE_FORMAT, StateFileError } from '../../src/persist/state-file.js';
import { obtainTokens } from '../support/oauth.js';
import { freePorts } from '../support/ports.js';
import { start } from '../support/servers.js';
import { filesIn, readState, stateFilePath } from '../support/state-file.js';

const WAY_OUT = '--state-file-on-corrupt move (STATE_FILE_ON_CORRUPT=move)';

/** A real state file, one client in it, to spoil in one place. */
async function goodFile(): Promise<{ dir: string; file: string; text: string }> {
  const { dir, file } = stateFilePath();
  const s = await start({ stateFile: file });
  await obtainTokens(s.oauthUrl);
  await obtainTokens(s.oauthUrl);
  await s.close();
  return { dir, file, text: readFileSync(file, 'utf8') };
}

const BAD: Array<[string, (good: string) => string, RegExp]> = [
  ['not JSON', () => '{"format": "mcp-oauth-test-server/state", "version": 1, ', /is not valid JSON \(/],
  ['empty', () => '', /is not valid JSON/],
  ['another program’s JSON', () => '{"hello":"world"}', /is not a state file of mcp-oauth-test-server \(its "format" is missing, not "mcp-oauth-test-server\/state"\)/],
  ['a newer version', (g) => JSON.stringify({ ...JSON.parse(g), version: 2, realms: 'a shape this version does not know' }), /was written by a newer mcp-oauth-test-server \(state format version 2; this one reads version 1\)/],
  ['a version that is no version', (g) => JSON.stringify({ ...JSON.parse(g), version: 'one' }), /is damaged \(\$\.version: /],
  [
    'a damaged record',
    (g) => {
      const j = JSON.parse(g);
      j.realms.default.store.records.access[0][1].expiresAt = 'tomorrow';
      return JSON.stringify(j);
    },
    /is damaged \(realms\.default\.store\.records\.access\.0\.1\.expiresAt: .*number/,
  ],
  [
    'an unknown switch state',
    (g) => {
      const j = JSON.parse(g);
      j.realms.default.policy = { rotateRefreshTokens: 'yes' };
      return JSON.stringify(j);
    },
    /is damaged \(realms\.default\.policy\.rotateRefreshTokens: /,
  ],
];

describe('a STATE_FILE that cannot be restored stops startup with one line, and changes nothing', () => {
  for (const [what, spoil, says] of BAD) {
    it(`${what}: refused naming the file, what is wrong and the way out; the file is left as it was`, async () => {
      const { dir, file, text } = await goodFile();
      const bad = spoil(text);
      writeFileSync(file, bad);
      const err = await start({ stateFile: file }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StateFileError);
      // The CLI prints a StartupError's message as its one line, without a stack.
      expect((err as Error).name).toBe('StartupError');
      expect(err).toBeInstanceOf(StartupError);
      const message = (err as Error).message;
      expect(message.split('\n')).toHaveLength(1);
      expect(message).toContain(`STATE_FILE ${file} `);
      expect(message).toMatch(says);
      expect(message).toContain(WAY_OUT);
      expect(readFileSync(file, 'utf8')).toBe(bad);
      expect(filesIn(dir)).toEqual(['state.json']);
    });
  }

  it('more records than this run’s caps allow: refused naming the cap, and the ports bound for it are free again', async () => {
    const { file } = await goodFile();
    const ports = await freePorts();
    const err = await start({ stateFile: file, maxClients: 1, oauthPort: ports.oauth, mcpPort: ports.mcp }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(StateFileError);
    expect((err as Error).message).toMatch(/cannot be restored: realm "default": it holds 2 clients, more than MAX_CLIENTS \(1\): raise MAX_CLIENTS to keep them/);
    const again = await start({ oauthPort: ports.oauth, mcpPort: ports.mcp });
    await again.close();
  });

  it('a directory that does not exist: refused before anything is bound', async () => {
    const { dir } = stateFilePath();
    const file = join(dir, 'missing', 'state.json');
    await expect(start({ stateFile: file })).rejects.toThrow(new RegExp(`^cannot write STATE_FILE ${file}: its directory ${join(dir, 'missing')} is not writable \\(ENOENT\\)$`));
  });
});

describe('STATE_FILE_ON_CORRUPT=move: the bad file is renamed aside and the server starts fresh', () => {
  for (const [what, spoil] of BAD) {
    it(`${what}: moved to <file>.corrupt-<time>, byte for byte; a new file once something changes`, async () => {
      const { dir, file, text } = await goodFile();
      const bad = spoil(text);
      writeFileSync(file, bad);
      const lines: string[] = [];
      const s = await start({ stateFile: file, stateFileOnCorrupt: 'move', log: (l) => lines.push(l) });
      try {
        const [aside, ...more] = filesIn(dir);
        expect(more).toEqual([]);
        expect(aside).toMatch(/^state\.json\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
        expect(readFileSync(join(dir, aside!), 'utf8')).toBe(bad);
        expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^\\[state\\] ${file} .*: moved aside to ${join(dir, aside!)}; starting fresh$`)));
        expect((await s.control.state()).live.clients).toBe(0);
        await obtainTokens(s.oauthUrl);
      } finally {
        await s.close();
      }
      expect(readState(file)).toMatchObject({ format: STATE_FORMAT, version: 1 });
    });
  }
});
