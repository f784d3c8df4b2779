import { UsageError } from './args.js';
import { StepFailed } from './walk-http.js';
import { walkSteps } from './walk-steps.js';

export const walkUsage = (): string => `usage: mcp-oauth-test-server walk [--mcp-url URL]   (default http://localhost:9101/mcp)

Runs the whole OAuth chain against running servers, as a client would, and prints every request and
answer, each also as a curl command (they need jq; paste them in order to walk it by hand):
  1 unauthenticated POST /mcp -> 401 + WWW-Authenticate   5 PKCE authorization (302 with code, state, iss)
  2 protected-resource metadata (RFC 9728)              6 token (code + code_verifier)
  3 authorization-server metadata (RFC 8414)            7 initialize with the bearer token
  4 dynamic client registration (RFC 7591)              8 tools/call echo
Exit 0 when the chain completes, 1 naming the step that failed.`;

/** `mcp-oauth-test-server walk`: 0 when the chain completes, 1 when a step fails. */
export async function runWalk(words: string[], flags: Record<string, string>): Promise<number> {
  if (words.length) throw new UsageError(`walk takes no arguments (got ${words.join(' ')})`);
  const unknown = Object.keys(flags).filter((f) => f !== '--mcp-url');
  if (unknown.length) throw new UsageError(`walk knows only --mcp-url (got ${unknown.join(', ')})`);
  let mcpUrl: string;
  try {
    mcpUrl = new URL(flags['--mcp-url'] ?? 'http://localhost:9101/mcp').href;
  } catch {
    throw new UsageError(`--mcp-url must be an absolute URL such as http://localhost:9101/mcp (got ${JSON.stringify(flags['--mcp-url'])})`);
  }
  const steps = walkSteps(mcpUrl);
  for (const [i, step] of steps.entries()) {
    console.log(`\n[walk] ${i + 1}/${steps.length} ${step.title}`);
    try {
      const done = await step.run();
      console.log(`  $ ${step.curl()}`);
      console.log(`  ok: ${done}`);
    } catch (err) {
      if (!(err instanceof StepFailed)) throw err;
      console.log(`  $ ${step.curl()}`);
      console.log(`\n[walk] failed at step ${i + 1}/${steps.length} (${step.name}): ${err.message}`);
      return 1;
    }
  }
  console.log(`\n[walk] the whole chain works: 401 -> metadata -> registration -> PKCE -> token -> tool call (${mcpUrl})`);
  return 0;
}
