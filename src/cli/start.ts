import { resolveConfig } from '../config.js';
import { startServers } from '../server.js';
import { optionsFromEverywhere } from './env.js';
import { collectAfterReset } from './v8-flags.js';

/** `start`: both servers, ready lines, clean shutdown on SIGINT/SIGTERM. */
export async function runStart(flags: Record<string, string>): Promise<void> {
  const { tlsFromCertsDir, ...options } = optionsFromEverywhere(flags);
  resolveConfig(options);
  const servers = await startServers({ ...options, log: true });
  collectAfterReset(servers.realm);
  const scheme = servers.tls ? 'https' : 'http';
  const local = (port: number, configured: boolean) => (configured ? ` · listening on ${servers.config.host}:${port}` : '');
  console.log(`[oauth] authorization server ${servers.oauthUrl} (${scheme})${local(servers.ports.oauth, options.oauthBaseUrl !== undefined)}`);
  console.log(`[mcp] protected MCP server ${servers.mcpUrl}${local(servers.ports.mcp, options.mcpBaseUrl !== undefined)}`);
  console.log(`[control] ${servers.realm.urls.control('state')} · switches: npm run scenario -- --help${servers.config.controlToken ? ' · locked by CONTROL_TOKEN' : ''}`);
  if (tlsFromCertsDir) console.log(`[tls] serving HTTPS with ./certs (trust it: NODE_EXTRA_CA_CERTS=${options.tlsCertFile})`);
  if (!['127.0.0.1', '::1', 'localhost'].includes(servers.config.host)) {
    console.log('[warn] listening beyond loopback: anyone who reaches it gets tokens without a login (consent is automatic); set CONTROL_TOKEN');
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[server] ${signal}: finishing in-flight requests and stopping`);
    servers.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
