/** README "The checks" is the catalogue: every check id, its word, and whether the conformance suite has it (✱). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../src/report/checks.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('### The checks'), readme.indexOf("### The official clients' cards"));
const rows = section.split('\n').filter((l) => /^\| `[a-z0-9-]+` (✱ )?\|/.test(l));

describe('README: the report card catalogue', () => {
  it('lists every check once, in the catalogue order, with its word and the suite mark', () => {
    const listed = rows.map((l) => /^\| `([a-z0-9-]+)`/.exec(l)![1]);
    expect(listed).toEqual(CHECKS.map((c) => c.id));
    for (const c of CHECKS) {
      const row = rows.find((l) => l.startsWith(`| \`${c.id}\``))!;
      expect(row.includes(' ✱ |'), c.id).toBe(c.suite);
      expect(row.split(' | ')[2], c.id).toBe(c.word);
    }
  });
});
