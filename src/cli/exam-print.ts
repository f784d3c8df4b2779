import { writeFileSync } from 'node:fs';
import { oneLine } from '../events.js';
import type { Check } from '../report/check.js';
import { junitDocument } from '../report/format.js';

/** One probe's grade on one line: the probe, the status, the check id, why. */
export function gradeLine(probe: string, c: Check, extra = ''): string {
  const why = String(c.details?.why ?? c.description);
  return oneLine(`[exam] ${probe.padEnd(25)} ${c.status.padEnd(8)} ${c.id} — ${why}${extra}`);
}

/** The final table: a row per probe with its status, check id and the first spec link. */
export function gradeTable(rows: ReadonlyArray<{ probe: string; check: Check }>): string {
  const head = ['probe', 'status', 'check', 'spec'];
  const body = rows.map(({ probe, check }) => [probe, check.status, check.id, check.specReferences?.[0]?.url ?? check.specReferences?.[0]?.id ?? '']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]!))).join('  ');
  const counts = ['SUCCESS', 'WARNING', 'FAILURE', 'SKIPPED'].map((s) => `${rows.filter((r) => r.check.status === s).length} ${s.toLowerCase()}`).join(', ');
  return [line(head), ...body.map((r) => oneLine(line(r))), '', `[exam] ${rows.length} probe(s): ${counts}`].join('\n');
}

/** JUnit XML for CI (report/format.ts, as the report card writes it): one testsuite, a testcase per probe's check. */
export function writeJunit(file: string, rows: ReadonlyArray<{ probe: string; check: Check }>): void {
  writeFileSync(file, junitDocument('mcp-oauth-test-server exam', [{ name: 'exam', classname: 'exam', checks: rows.map((r) => r.check) }]));
}
