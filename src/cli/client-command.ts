import { spawn } from 'node:child_process';

/** A client told to stop (SIGTERM) gets this long before its group is killed. */
const KILL_GRACE_MS = 2000;

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs a client command once, the MCP URL as its last argument and in MCP_SERVER_URL (the conformance
 * suite's runner appends it the same way), in a process group of its own: after the timeout, or when
 * `stop` is called (Ctrl-C), the whole group is stopped, and whatever it left running goes when it exits.
 */
export function runClientCommand(command: string, mcpUrl: string, probe: string, timeoutMs: number, stop: Set<() => void>): Promise<{ code: number | null; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(`${command} ${shellQuote(mcpUrl)}`, {
      shell: true,
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, MCP_SERVER_URL: mcpUrl, MCP_CONFORMANCE_SCENARIO: `exam/${probe}` },
    });
    let timedOut = false;
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        // Gone already.
      }
    };
    const kill = () => {
      signal('SIGTERM');
      setTimeout(() => signal('SIGKILL'), KILL_GRACE_MS).unref();
    };
    stop.add(kill);
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    let finished = false;
    const done = (code: number | null) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      stop.delete(kill);
      // Whatever the client left running in its group goes with it.
      signal('SIGKILL');
      resolve({ code, timedOut });
    };
    child.on('error', () => done(127));
    child.on('exit', (code) => done(code));
  });
}
