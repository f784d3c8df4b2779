import { writeFileSync } from 'node:fs';
import { ControlClient, ControlError } from '../control/client.js';
import type { Report } from '../report/card.js';
import { junitXml, reportTable } from '../report/format.js';
import { refuseBools, UsageError, type ParsedArgs } from './args.js';
import { invocation } from './invocation.js';
import { findTarget } from './target.js';

/** This command's own flags: the rest name the servers, as for `scenario`. */
const OWN = ['--client-id', '--junit'] as const;

export const reportUsage = (): string => `usage: ${invocation('report')} [--client-id ID] [--junit FILE] [--json] [--oauth-port N --mcp-port N | --oauth-base-url URL]

Prints the report card of the running servers: each client's checks (pass, FAIL, warn, skip, info)
with the reason and the spec link. Exit code 1 when any check is a FAILURE, 0 otherwise.
  --client-id ID   one client's checks only
  --junit FILE     also write JUnit XML (one testcase per check: FAILURE fails, SKIPPED skips, WARNING passes with system-out)
  --json           print the JSON of GET /control/report instead of the table`;

export async function runReport(words: string[], args: ParsedArgs): Promise<number> {
  refuseBools(args, 'report', ['json']);
  if (words.length) throw new UsageError(`report takes no arguments (got ${words.join(' ')}); one client is --client-id ID`);
  const flags = { ...args.flags };
  const own: Partial<Record<(typeof OWN)[number], string>> = {};
  for (const f of OWN) {
    if (flags[f] !== undefined) own[f] = flags[f];
    delete flags[f];
  }
  if (own['--client-id'] === '') throw new UsageError('--client-id needs a client_id');
  const target = findTarget(flags);
  const client = new ControlClient({ oauthUrl: target.oauthUrl, mcpUrl: target.mcpUrl, token: target.token, ca: target.ca });
  const json = args.bools.has('json');
  (json ? console.error : console.log)(`[report] ${target.oauthUrl} (${target.foundBy})`);
  let report: Report;
  try {
    const id = own['--client-id'];
    report = id === undefined ? await client.report() : await oneClient(client, id);
  } catch (err) {
    if (!(err instanceof ControlError)) throw err;
    console.error(`[report] ${err.message}`);
    return err.status === undefined ? 1 : 2;
  }
  if (own['--junit']) {
    writeFileSync(own['--junit'], junitXml(report));
    (json ? console.error : console.log)(`[report] JUnit XML written to ${own['--junit']}`);
  }
  console.log(json ? JSON.stringify(own['--client-id'] === undefined ? report : report.clients[0]!.checks, null, 2) : reportTable(report));
  return report.totals.FAILURE > 0 ? 1 : 0;
}

/** One client's checks as a card of one, so the table and the JUnit file read the same. */
async function oneClient(client: ControlClient, id: string): Promise<Report> {
  const all = await client.report();
  const card = all.clients.find((c) => c.clientId === id);
  if (!card) throw new ControlError(`no client ${JSON.stringify(id)} on the report card; it knows ${all.clients.map((c) => c.clientId ?? c.key).join(', ') || 'no client yet'}`, 404);
  const totals = { SUCCESS: 0, FAILURE: 0, WARNING: 0, SKIPPED: 0, INFO: 0 };
  for (const c of card.checks) totals[c.status]++;
  return { generatedAt: all.generatedAt, clients: [card], totals };
}
