import type { Report } from './card.js';
import type { Check, CheckStatus } from './check.js';

/** The card's words for each status in a table: what a reader scans for. */
const MARK: Record<CheckStatus, string> = { SUCCESS: 'pass', FAILURE: 'FAIL', WARNING: 'warn', SKIPPED: 'skip', INFO: 'info' };

/** Checks that are findings: a FAILURE or a WARNING. */
export const isFinding = (c: Check): boolean => c.status === 'FAILURE' || c.status === 'WARNING';

const who = (c: { clientId: string | null; clientName: string | null; key: string }) =>
  `${c.clientId ?? `(no client_id: registration refused, ${c.key})`}${c.clientName ? ` "${c.clientName}"` : ''}`;

/** A readable table: status, id, what happened, the first spec link. */
export function checksTable(checks: Check[]): string {
  const idWidth = Math.max(...checks.map((c) => c.id.length), 2);
  return checks.map((c) => `  ${MARK[c.status]}  ${c.id.padEnd(idWidth)}  ${c.description}${c.specReferences?.[0]?.url ? `\n        ${' '.repeat(idWidth)}  ${c.specReferences[0].url}` : ''}`).join('\n');
}

export function reportTable(report: Report): string {
  if (report.clients.length === 0) return 'no clients on the report card yet: run your client against the servers, then ask again';
  return report.clients.map((c) => `client ${who(c)}\n${checksTable(c.checks)}`).join('\n\n');
}

const xml = (s: string) => s.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '?');

/**
 * JUnit XML: one testsuite per client, one testcase per check; FAILURE is a <failure>, SKIPPED a
 * <skipped>, WARNING a passing testcase whose <system-out> says so (CI stays green on a SHOULD, and
 * the warning is still in the report), INFO a passing one with its fact.
 */
export function junitXml(report: Report): string {
  const suites = report.clients.map((c) => {
    const failures = c.checks.filter((k) => k.status === 'FAILURE').length;
    const skipped = c.checks.filter((k) => k.status === 'SKIPPED').length;
    const cases = c.checks.map((k) => {
      const ref = k.specReferences?.map((r) => `${r.id}${r.url ? ` ${r.url}` : ''}`).join('\n') ?? '';
      const open = `    <testcase classname="${xml(c.clientId ?? c.key)}" name="${xml(k.id)}">`;
      const body =
        k.status === 'FAILURE'
          ? `\n      <failure message="${xml(k.description)}" type="FAILURE">${xml(`${k.description}\n${ref}`)}</failure>\n    `
          : k.status === 'SKIPPED'
            ? `\n      <skipped message="${xml(k.description)}"/>\n    `
            : k.status === 'WARNING' || k.status === 'INFO'
              ? `\n      <system-out>${xml(`${k.status}: ${k.description}\n${ref}`)}</system-out>\n    `
              : '';
      return `${open}${body}</testcase>`;
    });
    return `  <testsuite name="${xml(`report card: ${who(c)}`)}" tests="${c.checks.length}" failures="${failures}" skipped="${skipped}" errors="0" timestamp="${xml(report.generatedAt)}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const failures = report.totals.FAILURE;
  const tests = report.clients.reduce((n, c) => n + c.checks.length, 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="mcp-oauth-test-server report card" tests="${tests}" failures="${failures}">\n${suites.join('\n')}\n</testsuites>\n`;
}

/**
 * What expectReportClean throws: each finding as a diff line against the SUCCESS it should have been,
 * with why and where the rule is written.
 */
export function findingsDiff(findings: Array<{ client: string; check: Check }>): string {
  const lines = findings.map(({ client, check }) => {
    const ref = check.specReferences?.[0]?.url ? `\n      see ${check.specReferences[0].url}` : '';
    return `  - ${check.id}: SUCCESS\n  + ${check.id}: ${check.status} (${client}): ${check.description}${ref}`;
  });
  return `report card: ${findings.length} check(s) not clean\n${lines.join('\n')}`;
}
