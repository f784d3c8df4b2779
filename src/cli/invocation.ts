import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How the user types a command: in this repository through its npm scripts, from an installed
 * package through its bin (a user's project has no `scenario` script). Installed means this file
 * sits under node_modules.
 */
export function invocation(command: string, at: string = import.meta.url): string {
  const installed = fileURLToPath(at).includes(`${sep}node_modules${sep}`);
  if (installed) return `npx mcp-oauth-test-server ${command}`;
  return command === 'start' ? 'npm start' : `npm run ${command} --`;
}
