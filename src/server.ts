import { readFileSync } from 'node:fs';
import type { Hono } from 'hono';
import { resolveConfig, type ServerOptions } from './config.js';
import { ControlClient } from './control/client.js';
import { mountControl } from './control/routes.js';
import type { LogSink } from './events.js';
import { bind, requestListener, StartupError, type Tls } from './http/listen.js';
import { buildMcpApp } from './mcp/app.js';
import { IntrospectionClient } from './mcp/introspection.js';
import { IntrospectionVerifier } from './mcp/introspection-verifier.js';
import type { TokenVerifier } from './mcp/verifier.js';
import { buildAuthApp } from './oauth/app.js';
import type { AppEnv } from './pipeline/env.js';
import { bindConfig, Realm, type BoundConfig } from './realm.js';

export interface StartOptions extends ServerOptions {
  /** true: print one line per event to stdout; a function: receive those lines; default false. */
  log?: boolean | LogSink;
}

export interface RunningServers {
  /** The issuer, e.g. http://localhost:9100. */
  oauthUrl: string;
  /** The MCP endpoint clients connect to, e.g. http://localhost:9101/mcp. */
  mcpUrl: string;
  control: ControlClient;
  realm: Realm;
  config: BoundConfig;
  tls: boolean;
  /** The ports actually bound (useful with port 0). */
  ports: { oauth: number; mcp: number };
  close(): Promise<void>;
}

const sinkOf = (log: StartOptions['log']): LogSink | undefined => (log === true ? (l) => console.log(l) : typeof log === 'function' ? log : undefined);

function readTls(config: { tlsCertFile?: string; tlsKeyFile?: string }): Tls | undefined {
  if (!config.tlsCertFile || !config.tlsKeyFile) return undefined;
  const read = (file: string, name: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new StartupError(`cannot read ${name} ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  };
  return { cert: read(config.tlsCertFile, 'TLS_CERT_FILE'), key: read(config.tlsKeyFile, 'TLS_KEY_FILE') };
}

/** The authorization server as an app over its own realm (or a given one), without listening. */
export function createAuthServer(options: StartOptions = {}, realm?: Realm): { app: Hono<AppEnv>; realm: Realm } {
  const r = realm ?? new Realm(bindConfig(resolveConfig(options)), sinkOf(options.log));
  return { app: buildAuthApp(r.urls, () => r, (app) => mountControl(app, 'oauth')), realm: r };
}

/** The protected MCP server as an app over its own realm (or a given one), without listening. */
export function createMcpServer(
  options: StartOptions = {},
  realm?: Realm,
): { app: Hono<AppEnv>; realm: Realm; verifier: TokenVerifier } {
  const r = realm ?? new Realm(bindConfig(resolveConfig(options)), sinkOf(options.log));
  const tls = readTls(r.config);
  // The MCP server learns about tokens only over HTTP, even in one process with the AS.
  const verifier = new IntrospectionVerifier(
    new IntrospectionClient({
      url: r.urls.endpoint('introspect'),
      clientId: r.config.introspectionClientId,
      clientSecret: r.config.introspectionClientSecret,
      timeoutMs: r.config.introspectionTimeoutMs,
      ca: tls?.cert,
    }),
  );
  const opts = { verifier, allowedOrigins: r.config.allowedOrigins };
  return { app: buildMcpApp(r.urls, () => r, opts, (app) => mountControl(app, 'mcp')), realm: r, verifier };
}

/**
 * Starts both servers in this process over one realm. Port 0 binds an ephemeral port; base URLs not
 * given are derived from the bound ports, so several instances can run side by side.
 */
export async function startServers(options: StartOptions = {}): Promise<RunningServers> {
  const config = resolveConfig(options);
  const tls = readTls(config);
  const sink = sinkOf(options.log);
  const oauth = await bind(config.host, config.oauthPort, tls, 'OAUTH_PORT (--oauth-port)', sink);
  let mcp;
  try {
    mcp = await bind(config.host, config.mcpPort, tls, 'MCP_PORT (--mcp-port)', sink);
  } catch (err) {
    await oauth.close();
    throw err;
  }
  const bound = bindConfig(config, { oauth: oauth.port, mcp: mcp.port }, Boolean(tls));
  const realm = new Realm(bound, sinkOf(options.log));
  await realm.ready;
  const as = createAuthServer(options, realm);
  const rs = createMcpServer(options, realm);
  oauth.serve(requestListener(as.app.fetch));
  mcp.serve(requestListener(rs.app.fetch));
  let closing: Promise<void> | undefined;
  return {
    oauthUrl: bound.oauthBaseUrl,
    mcpUrl: realm.resource,
    control: new ControlClient({ oauthUrl: bound.oauthBaseUrl, mcpUrl: bound.mcpBaseUrl, token: bound.controlToken, ca: tls?.cert }),
    realm,
    config: bound,
    tls: Boolean(tls),
    ports: { oauth: oauth.port, mcp: mcp.port },
    close: () =>
      (closing ??= (async () => {
        await Promise.all([oauth.close(), mcp.close()]);
        rs.verifier.close();
        realm.close();
      })()),
  };
}
