#!/usr/bin/env node
// First: V8 settings of this process, before any other module allocates (cli/v8-flags.ts).
import './cli/v8-flags.js';
import { readFileSync } from 'node:fs';
import { ConfigError, SETTINGS } from './config.js';
import { writeCerts } from './certs.js';
import { parseArgs, UsageError } from './cli/args.js';
import { runScenario, scenarioUsage } from './cli/scenario.js';
import { runStart } from './cli/start.js';
import { StartupError } from './http/listen.js';

const version = (): string => (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function usage(): string {
  const flags = SETTINGS.filter((s) => s.flag).map((s) => `  ${`${s.flag} <value>`.padEnd(30)} ${s.env}: ${s.meaning} (default ${s.default})`);
  return `mcp-oauth-test-server ${version()}: an OAuth 2.1 authorization server and a protected MCP server for testing OAuth-MCP clients (test only: consent is automatic).

usage:
  mcp-oauth-test-server [start] [flags]        start both servers (default)
  mcp-oauth-test-server scenario <name> [arg]  flip a switch on running servers (scenario --help lists them)
  mcp-oauth-test-server certs                  write a self-signed certificate for localhost into ./certs
  mcp-oauth-test-server --help | --version

flags (win over the environment, which wins over .env):
${flags.join('\n')}`;
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.version) {
    console.log(version());
    return 0;
  }
  const [command = 'start', ...words] = args.words;
  switch (command) {
    case 'start':
      if (args.help) return console.log(usage()), 0;
      if (words.length) throw new UsageError(`start takes no arguments (got ${words.join(' ')})`);
      await runStart(args.flags);
      return -1;
    case 'scenario':
      if (args.help || words.length === 0) {
        console.log(scenarioUsage());
        return args.help ? 0 : 2;
      }
      return runScenario(words, args.flags);
    case 'certs': {
      if (args.help) return console.log('usage: mcp-oauth-test-server certs   (writes ./certs/localhost.pem and ./certs/localhost-key.pem)'), 0;
      const p = await writeCerts();
      console.log(`[certs] wrote ${p.cert} and ${p.key} (localhost, 127.0.0.1, ::1)`);
      console.log('[certs] npm start now serves HTTPS. Trust it: NODE_EXTRA_CA_CERTS=./certs/localhost.pem for Node clients; see the README for macOS.');
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}`);
      console.error(process.argv.includes('scenario') ? scenarioUsage() : 'see --help');
      process.exitCode = 2;
    } else if (err instanceof ConfigError || err instanceof StartupError) {
      console.error(`error: ${err.message}`);
      process.exitCode = 1;
    } else {
      console.error(err);
      process.exitCode = 1;
    }
  },
);
