import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../src/config.js';
import { SCENARIOS } from '../src/cli/scenario.js';
import { markerIds, matrixTables, withTables } from './support/clients-table.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('shows the Vitest example exactly as it runs in test/e2e/readme-example.test.ts', () => {
    const example = readFileSync(new URL('./e2e/readme-example.test.ts', import.meta.url), 'utf8');
    expect(readme).toContain('```ts\n' + example + '```');
  });

  it('shows the realm fixture example exactly as it runs in test/realms/readme-fixture.test.ts', () => {
    const example = readFileSync(new URL('./realms/readme-fixture.test.ts', import.meta.url), 'utf8');
    expect(readme).toContain('```ts\n' + example + '```');
  });

  it('documents every setting with its variable, flag and default', () => {
    for (const s of SETTINGS) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${s.env}\``));
      expect(row, s.env).toBeDefined();
      if (s.flag) expect(row).toContain(`\`${s.flag}\``);
    }
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    for (const s of SETTINGS) expect(example, s.env).toMatch(new RegExp(`^# ${s.env}=`, 'm'));
  });

  it('lists every scenario the command knows', () => {
    for (const name of Object.keys(SCENARIOS)) expect(readme).toContain(`\`${name}`);
  });

  it('shows every client table exactly as rendered from test/e2e/matrix (npm run readme:tables rewrites them)', async () => {
    const tables = await matrixTables();
    expect(markerIds(readme).sort()).toEqual([...tables.keys()].sort());
    expect(withTables(readme, tables) === readme, 'the README tables differ from test/e2e/matrix: run npm run readme:tables').toBe(true);
  });

  it('names the test command', () => {
    expect(readme).toContain('npm test');
  });
});
