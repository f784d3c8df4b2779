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

/** One <testsuite> of a JUnit document: its name, the classname of its testcases, and their checks. */
export interface JunitSuite {
  name: string;
  classname: string;
  timestamp?: string;
  checks: readonly Check[];
}

/**
 * JUnit XML, one testcase per check (named by its id): FAILURE is a <failure>, SKIPPED a <skipped>,
 * WARNING and INFO a passing testcase whose <system-out> says so (CI stays green on a SHOULD, and the
 * finding is still in the file). The finding is the check's own words: its `details.why` where it has
 * one (the exam's), else its description (the card's). The report card and the exam both write it.
 */
export function junitDocument(title: string, suites: readonly JunitSuite[]): string {
  const count = (checks: readonly Check[], status: string) => checks.filter((k) => k.status === status).length;
  const all = suites.flatMap((s) => s.checks);
  const body = suites.map((suite) => {
    const cases = suite.checks.map((k) => {
      const ref = k.specReferences?.map((r) => `${r.id}${r.url ? ` ${r.url}` : ''}`).join('\n') ?? '';
      const finding = typeof k.details?.why === 'string' ? k.details.why : k.description;
      const open = `    <testcase classname="${xml(suite.classname)}" name="${xml(k.id)}">`;
      const inner =
        k.status === 'FAILURE'
          ? `\n      <failure message="${xml(finding)}" type="FAILURE">${xml(`${finding}\n${ref}`)}</failure>\n    `
          : k.status === 'SKIPPED'
            ? `\n      <skipped message="${xml(finding)}"/>\n    `
            : k.status === 'WARNING' || k.status === 'INFO'
              ? `\n      <system-out>${xml(`${k.status}: ${finding}\n${ref}`)}</system-out>\n    `
              : '';
      return `${open}${inner}</testcase>`;
    });
    const stamp = suite.timestamp ? ` timestamp="${xml(suite.timestamp)}"` : '';
    return `  <testsuite name="${xml(suite.name)}" tests="${suite.checks.length}" failures="${count(suite.checks, 'FAILURE')}" skipped="${count(suite.checks, 'SKIPPED')}" errors="0"${stamp}>\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xml(title)}" tests="${all.length}" failures="${count(all, 'FAILURE')}" skipped="${count(all, 'SKIPPED')}">\n${body.join('\n')}\n</testsuites>\n`;
}

/** The report card as JUnit XML: one testsuite per client. */
export function junitXml(report: Report): string {
  return junitDocument(
    'mcp-oauth-test-server report card',
    report.clients.map((c) => ({ name: `report card: ${who(c)}`, classname: c.clientId ?? c.key, timestamp: report.generatedAt, checks: c.checks })),
  );
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
