import { ControlClient, ControlError } from '../control/client.js';
import { didYouMean } from '../control/did-you-mean.js';
import type { Check } from '../report/check.js';
import { PROBE_IDS, probeById } from '../report/exam-probes.js';
import { refuseBools, UsageError, type ParsedArgs } from './args.js';
import { runClientCommand } from './client-command.js';
import { gradeLine, gradeTable, writeJunit } from './exam-print.js';
import { invocation } from './invocation.js';
import { findTarget } from './target.js';

const DEFAULT_TIMEOUT_SECONDS = 60;
/** Without a command: how often the grades are read while the user drives the client. */
const POLL_MS = 1000;
/** The flags of this command; the rest name the server, as for `scenario`. */
const OWN_FLAGS = ['--probes', '--client-command', '--timeout-seconds', '--junit'];

export function examUsage(): string {
  const rows = PROBE_IDS.map((id) => `  ${id.padEnd(25)} ${probeById(id)!.armed}`);
  return `usage: ${invocation('exam')} [--probes a,b] [--client-command "node my-client.js"] [--timeout-seconds N] [--junit file.xml]

Arms one-shot deviations a correct OAuth-MCP client must detect or survive, and grades what the
client then does (README, "The exam").

With --client-command: for each probe, resets the server, arms the probe, runs the command with the
MCP URL as its last argument and in MCP_SERVER_URL (as the conformance suite's --command does),
waits for it to exit (or kills its process group after --timeout-seconds, default ${DEFAULT_TIMEOUT_SECONDS}),
prints the probe's grade, then a table. With no server running here, it starts its own (127.0.0.1,
free ports) for the run.
Without it: arms the probes on the running server, says what to make the client do, and prints the
grades as they come, until every probe is graded, the timeout (default ${DEFAULT_TIMEOUT_SECONDS} s), or Ctrl-C.

Exit 1 when a probe FAILs (or the server cannot be reached), 2 for bad usage.

probes (default: all):
${rows.join('\n')}`;
}

function parseProbes(raw: string | undefined): string[] {
  if (raw === undefined) return [...PROBE_IDS];
  const ids = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) throw new UsageError('--probes needs at least one probe id');
  for (const id of ids) if (!PROBE_IDS.includes(id)) throw new UsageError(`unknown probe ${JSON.stringify(id)}${didYouMean(id, PROBE_IDS)}; probes: ${PROBE_IDS.join(', ')}`);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) throw new UsageError(`probe ${twice} is listed twice`);
  return ids;
}

function parseTimeout(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_TIMEOUT_SECONDS;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 86400) throw new UsageError(`--timeout-seconds takes a whole number of seconds from 1 to 86400, not ${JSON.stringify(raw)}`);
  return Number(raw);
}

const mcpEndpoint = (base: string) => (/\/mcp\/?$/.test(base) ? base.replace(/\/$/, '') : `${base.replace(/\/+$/, '')}/mcp`);
/** The server to examine: the one found as `scenario` finds it, or (with a command and none running) servers of our own. */
async function connect(flags: Record<string, string>, ownAllowed: boolean): Promise<{ control: ControlClient; mcpUrl: string; close: () => Promise<void>; said: string }> {
  const target = findTarget(flags);
  const control = new ControlClient({ oauthUrl: target.oauthUrl, mcpUrl: target.mcpUrl, token: target.token, ca: target.ca });
  const reachable = await control.state().then(
    () => true,
    (err: unknown) => {
      if (err instanceof ControlError && err.status === undefined && target.how === 'defaults' && ownAllowed) return false;
      throw err;
    },
  );
  if (reachable) return { control, mcpUrl: mcpEndpoint(target.mcpUrl), close: async () => {}, said: `${target.oauthUrl} · ${target.mcpUrl} (${target.foundBy})` };
  const { startServers } = await import('../server.js');
  const own = await startServers({ host: '127.0.0.1', oauthPort: 0, mcpPort: 0 });
  return { control: own.control, mcpUrl: own.mcpUrl, close: () => own.close(), said: `${own.oauthUrl} · ${own.mcpUrl} (no server running here: started its own for this run)` };
}

interface Row {
  probe: string;
  check: Check;
}

/** `exam`: exit 0 when no probe failed, 1 when one did (or the server is unreachable), 2 for bad usage. */
export async function runExam(words: string[], args: ParsedArgs): Promise<number> {
  refuseBools(args, 'exam', []);
  if (words.length) throw new UsageError(`exam takes no arguments (got ${words.join(' ')}); name probes with --probes a,b`);
  const probes = parseProbes(args.flags['--probes']);
  const timeoutMs = parseTimeout(args.flags['--timeout-seconds']) * 1000;
  const command = args.flags['--client-command'];
  if (command !== undefined && command.trim() === '') throw new UsageError('--client-command needs a command, e.g. --client-command "node my-client.js"');
  const junit = args.flags['--junit'];
  const serverFlags = Object.fromEntries(Object.entries(args.flags).filter(([k]) => !OWN_FLAGS.includes(k)));

  let server: Awaited<ReturnType<typeof connect>>;
  try {
    server = await connect(serverFlags, command !== undefined);
  } catch (err) {
    if (!(err instanceof ControlError)) throw err;
    console.error(`[exam] ${err.message}${err.status === undefined ? ` Start a server first (${invocation('start')}), or give --client-command to let exam start its own.` : ''}`);
    return 1;
  }
  console.log(`[exam] ${server.said}`);
  const stop = new Set<() => void>();
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    for (const k of stop) k();
  };
  process.on('SIGINT', onSigint);
  try {
    const rows = command !== undefined ? await unattended(server, probes, command, timeoutMs, stop, () => interrupted) : await attended(server, probes, timeoutMs, () => interrupted);
    console.log(`\n${gradeTable(rows)}`);
    if (junit) {
      writeJunit(junit, rows);
      console.log(`[exam] JUnit XML written to ${junit}`);
    }
    return rows.some((r) => r.check.status === 'FAILURE') || interrupted ? 1 : 0;
  } catch (err) {
    if (!(err instanceof ControlError)) throw err;
    console.error(`[exam] ${err.message}`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    await server.close();
  }
}

/** One run of the command per probe, each against a reset realm with that probe alone armed. */
async function unattended(server: Awaited<ReturnType<typeof connect>>, probes: string[], command: string, timeoutMs: number, stop: Set<() => void>, interrupted: () => boolean): Promise<Row[]> {
  const rows: Row[] = [];
  for (const probe of probes) {
    if (interrupted()) break;
    await server.control.reset();
    await server.control.exam([probe]);
    const ran = await runClientCommand(command, server.mcpUrl, probe, timeoutMs, stop);
    const check = (await server.control.finishExam()).checks[0]!;
    rows.push({ probe, check });
    const how = ran.timedOut ? ` (client stopped after ${timeoutMs / 1000} s)` : ` (client exited ${ran.code})`;
    console.log(gradeLine(probe, check, how));
  }
  // Leave the server as it started: no probe armed, no state of the last run.
  await server.control.reset();
  return rows;
}

/** The probes armed on the running server; the user drives the client; the grades are printed as they come. */
async function attended(server: Awaited<ReturnType<typeof connect>>, probes: string[], timeoutMs: number, interrupted: () => boolean): Promise<Row[]> {
  await server.control.exam(probes);
  console.log(`[exam] armed ${probes.length} probe(s) on ${server.mcpUrl}; now make your client:`);
  for (const id of probes) {
    const p = probeById(id)!;
    console.log(`  ${id.padEnd(25)} ${p.trigger}\n  ${''.padEnd(25)} armed: ${p.armed}\n  ${''.padEnd(25)} a correct client ${p.expects}`);
  }
  console.log(`[exam] grades follow as they come (until all are graded, ${timeoutMs / 1000} s, or Ctrl-C)`);
  const printed = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await server.control.examResults();
    view.probes.forEach((p, i) => {
      if (p.state === 'graded' && !printed.has(p.id)) {
        printed.add(p.id);
        console.log(gradeLine(p.id, view.checks[i]!));
      }
    });
    if (view.probes.every((p) => p.state === 'graded') || interrupted() || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const final = await server.control.finishExam();
  return final.probes.map((p, i) => ({ probe: p.id, check: final.checks[i]! }));
}
