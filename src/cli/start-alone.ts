import type { ServerOptions } from '../config.js';
import { startAuthServer, startMcpServer, type RunningServer } from '../server.js';

/**
 * `start --only oauth|mcp`: one server, its ready lines (which say what runs, and what the other side
 * must be told), clean shutdown on SIGINT/SIGTERM.
 */
export async function runAlone(only: 'oauth' | 'mcp', options: ServerOptions): Promise<void> {
  const server = only === 'oauth' ? await startAuthServer({ ...options, log: true }) : await startMcpServer({ ...options, log: true });
  // Before the ready lines, as `start` does: a signal sent on seeing them must find its handler.
  stopOnSignals(server);
  for (const line of readyLines(only, server)) console.log(line);
  if (!['127.0.0.1', '::1', 'localhost'].includes(server.config.host)) {
    console.log('[warn] listening beyond loopback: anyone who reaches it gets tokens without a login (consent is automatic); set CONTROL_TOKEN');
  }
}

function readyLines(only: 'oauth' | 'mcp', s: RunningServer): string[] {
  const { config } = s;
  const scheme = s.tls ? 'https' : 'http';
  const introspect = `${s.oauthUrl}/introspect`;
  const locked = config.controlToken ? ' · locked by CONTROL_TOKEN' : '';
  if (only === 'oauth') {
    return [
      `[oauth] authorization server ${s.oauthUrl} (${scheme}) · listening on ${config.host}:${s.port}`,
      `[oauth] alone (--only oauth): no MCP server here. Start one with --only mcp, OAUTH_BASE_URL=${s.oauthUrl} and this INTROSPECTION_CLIENT_SECRET; it introspects at ${introspect} as ${config.introspectionClientId}. Tokens asked without a resource are for ${s.mcpUrl} (MCP_BASE_URL)`,
      `[control] ${s.oauthUrl}/control/state${locked}`,
    ];
  }
  return [
    `[mcp] protected MCP server ${s.mcpUrl} · listening on ${config.host}:${s.port}`,
    `[mcp] alone (--only mcp): trusts the authorization server ${s.oauthUrl}; introspects at ${introspect} as ${config.introspectionClientId}`,
    `[control] ${config.mcpBaseUrl}/control/state${locked}`,
  ];
}

function stopOnSignals(server: RunningServer): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[server] ${signal}: finishing in-flight requests and stopping`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
