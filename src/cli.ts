#!/usr/bin/env node
// First: V8 settings of this process, before any other module allocates (cli/v8-flags.ts).
import './cli/v8-flags.js';
import { readFileSync } from 'node:fs';
import { ConfigError } from './config.js';
import { parseArgs, refuseBools, UsageError, type ParsedArgs } from './cli/args.js';
import { endQuietlyWhenStdoutCloses } from './cli/stdout.js';
import { usage } from './cli/usage.js';

// Each command loads its own modules when it runs: a `scenario` flip need not load the servers, the
// MCP SDK and Hono (half its start-up time on a loaded machine).
const scenario = () => import('./cli/scenario.js');
const certs = () => import('./cli/certs.js');
const start = () => import('./cli/start.js');
const walk = () => import('./cli/walk.js');
const report = () => import('./cli/report.js');
const exam = () => import('./cli/exam.js');

const version = (): string => (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

interface Command {
  /** Its line in `--help`: arguments, then what it does. */
  synopsis: readonly [string, string];
  help: () => Promise<string>;
  /** An exit code, or -1 while it keeps running (a server). */
  run: (words: string[], args: ParsedArgs) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  start: {
    synopsis: ['[start] [flags]', 'start both servers (the default command)'],
    help: async () => mainUsage(),
    run: async (words, args) => {
      refuseBools(args, 'start', []);
      if (words.length) throw new UsageError(`start takes no arguments (got ${words.join(' ')})`);
      await (await start()).runStart(args.flags);
      return -1;
    },
  },
  scenario: {
    synopsis: ['scenario <name> [arg]', 'flip a switch, add a fault, follow events on running servers (scenario --help)'],
    help: async () => (await scenario()).scenarioUsage(),
    run: async (words, args) => {
      const { runScenario, scenarioUsage } = await scenario();
      if (words.length === 0) return console.log(scenarioUsage()), 2;
      return runScenario(words, args);
    },
  },
  walk: {
    synopsis: ['walk [--mcp-url URL]', 'run and print the whole OAuth chain against running servers, with curl for each step'],
    help: async () => (await walk()).walkUsage(),
    run: async (words, args) => {
      refuseBools(args, 'walk', []);
      return (await walk()).runWalk(words, args.flags);
    },
  },
  report: {
    synopsis: ['report [--client-id ID]', "print running servers' report card, --junit F for CI; exit 1 on a FAILURE (report --help)"],
    help: async () => (await report()).reportUsage(),
    run: async (words, args) => (await report()).runReport(words, args),
  },
  exam: {
    synopsis: ['exam [--client-command CMD]', 'arm the active probes and grade what a client does (exam --help)'],
    help: async () => (await exam()).examUsage(),
    run: async (words, args) => (await exam()).runExam(words, args),
  },
  certs: {
    synopsis: ['certs [--force]', 'write a self-signed certificate for localhost into ./certs'],
    help: async () => (await certs()).certsUsage,
    run: async (words, args) => {
      refuseBools(args, 'certs', ['force']);
      if (words.length) throw new UsageError(`certs takes no arguments (got ${words.join(' ')})`);
      return (await certs()).runCerts(args.bools.has('force'));
    },
  },
};

const mainUsage = () => usage(version(), Object.values(COMMANDS).map((c) => c.synopsis));

async function main(argv: string[]): Promise<number> {
  endQuietlyWhenStdoutCloses();
  const args = parseArgs(argv);
  if (args.version) return console.log(version()), 0;
  const [name = 'start', ...words] = args.words;
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  if (args.help) return console.log(await command.help()), 0;
  return command.run(words, args);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  async (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}`);
      console.error(process.argv.includes('scenario') ? (await scenario()).scenarioUsage() : 'see --help');
      process.exitCode = 2;
    } else if (err instanceof ConfigError || (err instanceof Error && err.name === 'StartupError')) {
      // StartupError by name: importing http/listen.ts for its class would load the HTTP stack into every command.
      console.error(`error: ${err.message}`);
      process.exitCode = 1;
    } else {
      console.error(err);
      process.exitCode = 1;
    }
  },
);
