import { SETTINGS } from '../config.js';

/** `--help`: the commands, then every setting, flag or not, from the one table the parser reads. */
export function usage(version: string, commands: ReadonlyArray<readonly [string, string]>): string {
  const settings = SETTINGS.map((s) => `  ${(s.flag ? `${s.flag} <value>` : '(environment only)').padEnd(28)} ${s.env.padEnd(27)} ${s.meaning} (default ${s.default})`);
  return `mcp-oauth-test-server ${version}: an OAuth 2.1 authorization server and a protected MCP server for testing OAuth-MCP clients (test only: consent is automatic).

usage:
${commands.map(([what, does]) => `  mcp-oauth-test-server ${what.padEnd(24)} ${does}`).join('\n')}
  mcp-oauth-test-server --help | --version

settings (a flag wins over its environment variable, which wins over .env):
${settings.join('\n')}`;
}
