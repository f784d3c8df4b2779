import { writeFileSync } from 'node:fs';
import { oneLine } from '../events.js';
import type { Check } from '../report/check.js';

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

const xml = (s: string) => s.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);

/** JUnit XML for CI: a testcase per probe; FAILURE fails it, SKIPPED skips it, WARNING passes with its words in system-out. */
export function writeJunit(file: string, rows: ReadonlyArray<{ probe: string; check: Check }>): void {
  const failures = rows.filter((r) => r.check.status === 'FAILURE').length;
  const skipped = rows.filter((r) => r.check.status === 'SKIPPED').length;
  const cases = rows.map(({ probe, check }) => {
    const why = xml(String(check.details?.why ?? ''));
    const inner =
      check.status === 'FAILURE'
        ? `<failure message="${why}" type="${xml(check.id)}">${xml((check.specReferences ?? []).map((r) => `${r.id} ${r.url ?? ''}`).join('\n'))}</failure>`
        : check.status === 'SKIPPED'
          ? `<skipped message="${why}"/>`
          : `<system-out>${xml(check.status)}: ${why}</system-out>`;
    return `    <testcase classname="exam.${xml(probe)}" name="${xml(`${check.id}: ${check.name}`)}">${inner}</testcase>`;
  });
  const text = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="mcp-oauth-test-server exam" tests="${rows.length}" failures="${failures}" skipped="${skipped}">
  <testsuite name="exam" tests="${rows.length}" failures="${failures}" skipped="${skipped}">
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
  writeFileSync(file, text);
}
