/**
 * The README's tables "what the official clients do when …", rendered from the rows the e2e tests
 * assert (test/e2e/matrix/<name>.ts), so the README says what the tests saw. Every exported array
 * of rows in a matrix module is one table, between `<!-- clients-table:<id> -->` and
 * `<!-- /clients-table:<id> -->`: `<id>` is the file's name for its `ROWS`, `<name>-<prefix>` for
 * `<PREFIX>_ROWS` (shapes.ts REFRESH_ROWS → `shapes-refresh`).
 *
 * `npm run readme:tables` writes them; test/readme.test.ts fails while the README differs.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Row } from '../e2e/matrix/row.js';

const MATRIX = new URL('../e2e/matrix/', import.meta.url);
export const README = new URL('../../README.md', import.meta.url);

const isRow = (x: unknown): x is Row => typeof x === 'object' && x !== null && ['knob', 'v2', 'sdk1', 'o4w'].every((k) => typeof (x as Record<string, unknown>)[k] === 'string');

/** Every table of every matrix module, by marker id. */
export async function matrixTables(): Promise<Map<string, Row[]>> {
  const tables = new Map<string, Row[]>();
  const files = readdirSync(fileURLToPath(MATRIX))
    .filter((f) => f.endsWith('.ts') && f !== 'row.ts')
    .sort();
  for (const file of files) {
    const name = file.slice(0, -'.ts'.length);
    const mod = (await import(new URL(file, MATRIX).href)) as Record<string, unknown>;
    for (const [exported, value] of Object.entries(mod)) {
      if (!Array.isArray(value) || value.length === 0 || !value.every(isRow)) continue;
      const id = exported === 'ROWS' ? name : `${name}-${exported.replace(/_ROWS$/, '').toLowerCase().replace(/_/g, '-')}`;
      tables.set(id, value);
    }
  }
  return tables;
}

/** A table cell: one line, pipes escaped, code-like outcomes kept as the test wrote them. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderTable(rows: readonly Row[]): string {
  const lines = ['| when … | SDK v2 | SDK 1.32.2 | oauth4webapi |', '|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${cell(r.knob)} | ${cell(r.v2)} | ${cell(r.sdk1)} | ${cell(r.o4w)} |`);
  return lines.join('\n');
}

const markers = (id: string) => [`<!-- clients-table:${id} -->`, `<!-- /clients-table:${id} -->`] as const;

/** The marker ids a README holds, in order. */
export function markerIds(readme: string): string[] {
  return [...readme.matchAll(/<!-- clients-table:([a-z0-9-]+) -->/g)].map((m) => m[1]!);
}

/** The README with every marked table replaced by its rendering; throws for a marker with no table. */
export function withTables(readme: string, tables: ReadonlyMap<string, readonly Row[]>): string {
  let out = readme;
  for (const id of markerIds(readme)) {
    const rows = tables.get(id);
    if (!rows) throw new Error(`README marks a table clients-table:${id}, but no test/e2e/matrix module exports its rows`);
    const [open, close] = markers(id);
    const start = out.indexOf(open);
    const end = out.indexOf(close, start);
    if (end < 0) throw new Error(`README: ${open} has no ${close}`);
    out = `${out.slice(0, start + open.length)}\n${renderTable(rows)}\n${out.slice(end)}`;
  }
  return out;
}

// `npm run readme:tables`: rewrite the README in place.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const readme = readFileSync(README, 'utf8');
  const next = withTables(readme, await matrixTables());
  if (next !== readme) writeFileSync(README, next);
  console.log(next === readme ? 'README tables are up to date' : 'README tables rewritten');
}
