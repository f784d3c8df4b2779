import { resolve } from 'node:path';
import { resolveConfig } from '../config.js';
import { startServers } from '../server.js';
import { optionsFromEverywhere } from './env.js';
import { invocation } from './invocation.js';
import { refuseEqualPorts } from './ports.js';
import { runAlone } from './start-alone.js';
import { removeServerRecord, stateFilePath, writeServerRecord } from './state-file.js';
import { collectAfterReset } from './v8-flags.js';

/** `start`: both servers, ready lines, a state file for `scenario`, clean shutdown on SIGINT/SIGTERM. */
export async function runStart(flags: Record<string, string>): Promise<void> {
  const { tlsFromCertsDir, ...options } = optionsFromEverywhere(flags);
  const config = resolveConfig(options);
  // Alone, one server binds one port: the other port's setting does not matter.
  if (config.only) return runAlone(config.only, options);
  refuseEqualPorts(config);
  const servers = await startServers({ ...options, log: true });
  collectAfterReset(servers.realm);
  const stateFile = stateFilePath();
  try {
    writeServerRecord(
      {
        pid: process.pid,
        cwd: process.cwd(),
        oauthUrl: servers.oauthUrl,
        mcpUrl: servers.config.mcpBaseUrl,
        tls: servers.tls,
        ...(servers.tls && options.tlsCertFile ? { tlsCertFile: resolve(options.tlsCertFile) } : {}),
        startupSwitches: (await servers.control.state()).switches,
        startedAt: new Date().toISOString(),
      },
      stateFile,
    );
  } catch (err) {
    // The servers work without it; only `scenario` needs telling where they are.
    console.log(`[warn] cannot write ${stateFile} (${(err as NodeJS.ErrnoException).code ?? err}): scenario needs --oauth-port/--mcp-port to find these servers`);
  }
  // Before the ready lines: whoever waits for them (a supervisor, a test) may signal at once, and a
  // signal with no handler yet would kill the process without writing STATE_FILE.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[server] ${signal}: finishing in-flight requests and stopping`);
    removeServerRecord(process.pid, stateFile);
    servers.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const scheme = servers.tls ? 'https' : 'http';
  const local = (port: number, configured: boolean) => (configured ? ` · listening on ${servers.config.host}:${port}` : '');
  console.log(`[oauth] authorization server ${servers.oauthUrl} (${scheme})${local(servers.ports.oauth, options.oauthBaseUrl !== undefined)}`);
  console.log(`[mcp] protected MCP server ${servers.mcpUrl}${local(servers.ports.mcp, options.mcpBaseUrl !== undefined)}`);
  console.log(`[control] ${servers.realm.urls.control('state')} · switches: ${invocation('scenario')} --help${servers.config.controlToken ? ' · locked by CONTROL_TOKEN' : ''}`);
  if (tlsFromCertsDir) console.log(`[tls] serving HTTPS with ./certs (trust it: NODE_EXTRA_CA_CERTS=${options.tlsCertFile})`);
  if (!['127.0.0.1', '::1', 'localhost'].includes(servers.config.host)) {
    console.log('[warn] listening beyond loopback: anyone who reaches it gets tokens without a login (consent is automatic); set CONTROL_TOKEN');
  }
}
