import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
import { ConfigError, resolveConfig, type Config, type ServerOptions } from './config.js';
import { ControlClient } from './control/client.js';
import { EventStreams } from './control/event-stream.js';
import { mountControl } from './control/routes.js';
import { oneLine, type LogSink } from './events.js';
import { bind, requestListener, StartupError, type Bound, type Tls } from './http/listen.js';
import { buildMcpApp } from './mcp/app.js';
import { McpHandler } from './mcp/handler.js';
import { IntrospectionClient, type LocalFetch } from './mcp/introspection.js';
import { IntrospectionVerifier } from './mcp/introspection-verifier.js';
import { JwksClient } from './mcp/jwks-client.js';
import { JwtVerifier } from './mcp/jwt-verifier.js';
import type { TokenVerifier } from './mcp/verifier.js';
import { buildAuthApp } from './oauth/app.js';
import { mountDashboard } from './pages/dashboard/routes.js';
import { DEFAULT_REALM, StateFile } from './persist/state-file.js';
import type { AppEnv, RealmResolver } from './pipeline/env.js';
import { bindConfig, Realm, type BoundConfig } from './realm.js';
import { REALM_ID, RealmRegistry, type RealmSpec } from './realms.js';
import { probeIssuer } from './server/issuer-probe.js';
import type { Report } from './report/card.js';
import type { Check } from './report/check.js';
import { realmRouter } from './server/realm-router.js';
import { aloneAtResourceOrigin, resourceOriginFront } from './server/resource-origin.js';
import { SecondIssuers } from './server/second-issuer.js';
import { TrustedIssuersVerifier } from './server/trusted-issuers.js';
import { SECOND_ISSUER_SEGMENT } from './urls.js';

/** `servers.report()`: the whole card; `servers.report(clientId)`: that client's checks, or undefined for a client never seen. */
export interface ReportOf {
  (): Report;
  (clientId: string): Check[] | undefined;
}

const reportOf = (realm: Realm): ReportOf => ((clientId?: string) => (clientId === undefined ? realm.report.report() : realm.report.checks(clientId))) as ReportOf;

export interface StartOptions extends ServerOptions {
  /** true: print one line per event to stdout; a function: receive those lines; default false. */
  log?: boolean | LogSink;
}

/** A realm created beside the default one (`servers.createRealm()`): its URLs, its control plane, and the realm itself. */
export interface RealmHandle {
  id: string;
  /** http://localhost:9100/r/<id> */
  issuer: string;
  /** http://localhost:9101/r/<id>/mcp */
  mcpUrl: string;
  /** http://localhost:9100/r/<id>/control */
  controlUrl: string;
  /** A ControlClient aimed at this realm (`servers.control.realm(id)`). */
  control: ControlClient;
  realm: Realm;
  /** The realm's report card in process (README "The report card"): every client's, or one client's checks (undefined when it never came). */
  report: ReportOf;
  /** Ends the realm (DELETE /control/realms/<id>); false when it had ended already. */
  delete(): boolean;
}

export interface RunningServers {
  /** The issuer, e.g. http://localhost:9100. */
  oauthUrl: string;
  /** The MCP endpoint clients connect to, e.g. http://localhost:9101/mcp. */
  mcpUrl: string;
  control: ControlClient;
  realm: Realm;
  /** The default realm's report card in process (README "The report card"): every client's, or one client's checks (undefined when it never came). */
  report: ReportOf;
  config: BoundConfig;
  tls: boolean;
  /** The ports actually bound (useful with port 0). */
  ports: { oauth: number; mcp: number };
  /** The default realm and the realms created beside it under /r/<id> (see README "Realms"). */
  realms: RealmRegistry;
  /** Creates a realm, as POST /control/realms does; throws RealmExists, RealmsFull or a ZodError for a refused spec. */
  createRealm(spec?: RealmSpec): Promise<RealmHandle>;
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
export function createAuthServer(options: StartOptions = {}, realm?: Realm, streams?: EventStreams): { app: Hono<AppEnv>; realm: Realm } {
  const r = realm ?? new Realm(bindConfig(resolveConfig(options)), sinkOf(options.log));
  const open = streams ?? new EventStreams();
  const extra = (app: Hono<AppEnv>) => {
    mountControl(app, 'oauth', undefined, open);
    mountDashboard(app);
  };
  // The realm's second issuer (prmIssuers several/migrated) under <issuer>/migrated, alone too.
  const router = new SecondIssuers().routing({ route: (path) => ({ path, realm: r }) }, r.urls.issuerPath);
  return { app: buildAuthApp(r.urls, router, extra), realm: r };
}

/** Both servers' view of the registry: the default realm at the root, the others under /r/<id>, each realm's second issuer under its issuer's path. */
function authServerOver(realms: RealmRegistry, streams: EventStreams): Hono<AppEnv> {
  const r = realms.main;
  const extra = (app: Hono<AppEnv>) => {
    mountControl(app, 'oauth', realms, streams);
    mountDashboard(app, realms);
  };
  const router = new SecondIssuers().routing(realmRouter(realms, r.urls.issuerPath), r.urls.issuerPath);
  return buildAuthApp(r.urls, router, extra);
}

/** The protected MCP server as an app over its own realm (or a given one), without listening. */
export function createMcpServer(
  options: StartOptions = {},
  realm?: Realm,
): { app: Hono<AppEnv>; realm: Realm; verifier: TokenVerifier } {
  const r = realm ?? new Realm(bindConfig(resolveConfig(options)), sinkOf(options.log));
  return mcpServerOver(r, readTls(r.config));
}

/**
 * When the AS runs in this process: `asSocket`, its own socket (`http://127.0.0.1:<port>`), where the
 * JWKS is fetched (JwksClientOptions.via), and `asFetch`, its app, to which introspection is handed
 * (IntrospectionOptions.local). `realms`: serve them too; each introspects at its own issuer's path
 * with the same client, and all share one MCP handler (its pools hold no realm state).
 */
function mcpServerOver(
  r: Realm,
  tls: Tls | undefined,
  asSocket?: string,
  realms?: RealmRegistry,
  streams?: EventStreams,
  asFetch?: LocalFetch,
): { app: Hono<AppEnv>; realm: Realm; verifier: TokenVerifier; handler: McpHandler } {
  const via = (realm: Realm, path: string) => (asSocket === undefined ? undefined : `${asSocket}${realm.urls.issuerPath}${path}`);
  // The MCP server learns about tokens only through RFC 7662 requests, even in one process with the
  // AS: there they are handed to the AS app itself (`local`), the same request without a socket.
  const client = new IntrospectionClient({
    url: r.urls.endpoint('introspect'),
    ...(asFetch && { local: asFetch }),
    clientId: r.config.introspectionClientId,
    clientSecret: r.config.introspectionClientSecret,
    timeoutMs: r.config.introspectionTimeoutMs,
    ca: tls?.cert,
  });
  // MCP_TOKEN_VALIDATION=jwt: each realm's JWKS over HTTP (one pool for all), its tokens' times on the realm clock.
  const jwt = r.config.mcpTokenValidation === 'jwt';
  const jwks = new JwksClient({ url: r.urls.endpoint('jwks'), via: via(r, '/jwks'), timeoutMs: r.config.introspectionTimeoutMs, ca: tls?.cert });
  const local = (realm: Realm) => new JwtVerifier(realm === r ? jwks : jwks.at(realm.urls.endpoint('jwks'), via(realm, '/jwks')), realm.issuer, () => realm.clock.now());
  const verifier: TokenVerifier = jwt ? local(r) : new IntrospectionVerifier(client);
  // The realm's second issuer (prmIssuers several/migrated): its own introspection or JWKS, over the same pool.
  const second = (realm: Realm) => (): TokenVerifier => {
    const issuer = realm.urls.secondIssuer;
    return jwt
      ? new JwtVerifier(jwks.at(`${issuer}/jwks`, via(realm, `${SECOND_ISSUER_SEGMENT}/jwks`)), issuer, () => realm.clock.now())
      : new IntrospectionVerifier(client.at(`${issuer}/introspect`));
  };
  // Made at a realm's first MCP request, gone with the realm: an idle realm holds none.
  const byRealm = new WeakMap<Realm, TokenVerifier>();
  const verifierFor = (realm: Realm): TokenVerifier => {
    let v = byRealm.get(realm);
    if (!v) {
      const own = realm === r ? verifier : jwt ? local(realm) : new IntrospectionVerifier(client.at(realm.urls.endpoint('introspect')));
      byRealm.set(realm, (v = new TrustedIssuersVerifier(realm, own, second(realm))));
    }
    return v;
  };
  const handler = new McpHandler();
  const opts = { verifier, allowedOrigins: r.config.allowedOrigins, handler, verifierFor, ...(realms ? { sibling: true } : {}) };
  const resolve: RealmResolver = realms ? realmRouter(realms, r.urls.mcpBasePath) : () => r;
  return { app: buildMcpApp(r.urls, resolve, opts, (app) => mountControl(app, 'mcp', realms, streams)), realm: r, verifier, handler };
}

/**
 * The created realms STATE_FILE kept, made again under their ids, creation policy and TTL before the
 * servers serve (their idle time starts again). Beyond MAX_REALMS they stay in the file as they were.
 */
async function recreateRealms(state: StateFile | undefined, realms: RealmRegistry, undo: () => Promise<unknown>): Promise<void> {
  if (!state) return;
  // A hand-edited file may name a realm no request could address: it stays in the file as it was.
  const ids = state.kept.filter((id) => id !== DEFAULT_REALM && REALM_ID.test(id));
  const room = ids.slice(0, Math.max(0, realms.max - realms.size));
  try {
    for (const id of room) await realms.create({ id, ...state.creationOf(id) });
  } catch (err) {
    realms.close();
    realms.main.close();
    await undo();
    throw err;
  }
  if (room.length) realms.main.notice(`[state] ${room.length} realm${room.length === 1 ? '' : 's'} restored under /r/<id>: ${room.join(', ')}`);
  if (room.length < ids.length) realms.main.notice(`[warn] ${ids.length - room.length} realms of STATE_FILE are beyond MAX_REALMS (${realms.max}): kept in the file, not served`);
}

/** The address a bound server listens on, as a URL's host:port; a wildcard bind is reached over loopback. */
function dialable(bound: Bound): string {
  const { address, port } = bound.address;
  const h = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;
  return `${h.includes(':') ? `[${h}]` : h}:${port}`;
}

/**
 * When OAUTH_BASE_URL is configured (a tunnel, a proxy) and logging is on, asks it once for its
 * metadata and prints one [warn] line when it does not answer: the client would fail discovery there
 * first. Given the `verifier` of an MCP server started alone, then checks its credentials there.
 * Never delays startup; the returned function abandons it (on close).
 */
function checkConfiguredIssuer(
  config: Config,
  realm: Realm,
  tls: Tls | undefined,
  log: StartOptions['log'],
  consequence: string,
  verifier?: TokenVerifier,
): () => void {
  const controller = new AbortController();
  if (config.oauthBaseUrl === undefined || !sinkOf(log)) return () => {};
  const urls = realm.urls;
  const metadataUrl = `${new URL(urls.issuer).origin}${urls.asMetadataPaths.at(-1)}`;
  void probeIssuer(urls.issuer, metadataUrl, { ca: tls?.cert, signal: controller.signal }).then(async (problem) => {
    if (controller.signal.aborted) return;
    if (problem !== undefined) {
      realm.notice(`[warn] OAUTH_BASE_URL ${urls.issuer} does not answer GET ${metadataUrl}: ${problem}. Clients that discover it will fail; ${consequence}`);
      return;
    }
    // Apart, a secret that differs between the two sides is the likeliest mistake, and every MCP call
    // would show it as a 401: one introspection of a token nobody issued tells it at startup.
    const answer = await verifier?.verify('startup-check-of-the-introspection-credentials');
    if (answer?.kind === 'unavailable' && !controller.signal.aborted) {
      realm.notice(`[warn] ${verifier!.source} failed: ${answer.cause}. Set the same INTROSPECTION_CLIENT_ID/SECRET on both servers`);
    }
  });
  return () => controller.abort();
}

/** STATE_FILE, read before anything is bound: a file that stops startup leaves nothing to undo. */
function openState(config: Config, log: StartOptions['log']): Promise<StateFile | undefined> {
  if (config.stateFile === undefined) return Promise.resolve(undefined);
  const sink = sinkOf(log);
  return StateFile.open(config.stateFile, { onCorrupt: config.stateFileOnCorrupt, notice: (line) => sink?.(oneLine(line)) });
}

/** Gives the realm what the state file kept, before it serves; when that fails, `undo` closes what was started. */
async function restoreState(state: StateFile | undefined, realm: Realm, undo: () => Promise<unknown>): Promise<void> {
  if (!state) return;
  try {
    await state.attach(DEFAULT_REALM, realm);
  } catch (err) {
    realm.close();
    await undo();
    throw err;
  }
  realm.notice(state.summary);
}

/** What a running server (or pair) tells its caller about itself. */
function facts(realm: Realm, tls: Tls | undefined): Omit<RunningServers, 'ports' | 'close' | 'realms' | 'createRealm'> {
  const bound = realm.config;
  return {
    oauthUrl: bound.oauthBaseUrl,
    mcpUrl: realm.resource,
    control: new ControlClient({ oauthUrl: bound.oauthBaseUrl, mcpUrl: bound.mcpBaseUrl, token: bound.controlToken, ca: tls?.cert }),
    realm,
    report: reportOf(realm),
    config: bound,
    tls: Boolean(tls),
  };
}

/**
 * Starts both servers in this process over one realm. Port 0 binds an ephemeral port; base URLs not
 * given are derived from the bound ports, so several instances can run side by side.
 */
export async function startServers(options: StartOptions = {}): Promise<RunningServers> {
  const config = resolveConfig(options);
  if (config.only) throw new ConfigError(`startServers() runs both servers; for only: '${config.only}' call ${config.only === 'oauth' ? 'startAuthServer' : 'startMcpServer'}()`);
  const tls = readTls(config);
  const sink = sinkOf(options.log);
  const state = await openState(config, options.log);
  const oauth = await bind(config.host, config.oauthPort, tls, 'OAUTH_PORT (--oauth-port)', sink);
  let mcp;
  try {
    mcp = await bind(config.host, config.mcpPort, tls, 'MCP_PORT (--mcp-port)', sink);
  } catch (err) {
    await oauth.close();
    throw err;
  }
  const bound = bindConfig(config, { oauth: oauth.port, mcp: mcp.port }, Boolean(tls));
  const realm = new Realm(bound, sink);
  await realm.ready;
  await restoreState(state, realm, () => Promise.all([oauth.close(), mcp.close()]));
  const realms = new RealmRegistry(realm, {
    max: config.maxRealms,
    ttlSeconds: config.realmTtlSeconds,
    log: sink,
    // A new realm is written at once (not at its first request): a restart right after still has it.
    ...(state ? { onCreated: (id: string, r: Realm) => state.attach(id, r).then(() => state.changed()), onEnded: (id: string) => state.detach(id) } : {}),
  });
  await recreateRealms(state, realms, () => Promise.all([oauth.close(), mcp.close()]));
  // One set for both servers: close() ends every open stream before the listeners wait for them.
  const streams = new EventStreams({ alive: (r) => r === realm || realms.list().some((info) => realms.get(info.id) === r) });
  const asApp = authServerOver(realms, streams);
  // Introspection goes to the AS app in this process (the JWKS to its own socket), not through
  // OAUTH_BASE_URL: a tunnel that died (or never pointed here) must not turn every MCP call into a 401.
  const asSocket = `${tls ? 'https' : 'http'}://${dialable(oauth)}`;
  const rs = mcpServerOver(realm, tls, asSocket, realms, streams, (request, connection) => asApp.fetch(request, { hangUp: connection.hangUp }));
  oauth.serve(requestListener(asApp.fetch));
  // MCP 2025-03-26: the AS also answers at the MCP server's origin while a realm's asAtResourceOrigin is on.
  mcp.serve(requestListener(resourceOriginFront(realmRouter(realms, realm.urls.mcpBasePath), asApp.fetch, rs.app.fetch)));
  const stopCheck = checkConfiguredIssuer(config, realm, tls, options.log, 'the MCP server introspects in this process regardless');
  const base = facts(realm, tls);
  let closing: Promise<void> | undefined;
  return {
    ...base,
    ports: { oauth: oauth.port, mcp: mcp.port },
    realms,
    async createRealm(spec) {
      const { id, realm: created } = await realms.create(spec);
      const urls = created.urls;
      return { id, issuer: urls.issuer, mcpUrl: urls.resource, controlUrl: `${urls.issuer}/control`, control: base.control.realm(id), realm: created, report: reportOf(created), delete: () => realms.delete(id) };
    },
    close: () =>
      (closing ??= (async () => {
        stopCheck();
        // Open subscriptions/listen streams end first, else closing waits for them.
        streams.closeAll();
        await rs.handler.close();
        await Promise.all([oauth.close(), mcp.close()]);
        // After the requests in flight: what they changed is in the last write.
        await state?.close();
        rs.verifier.close();
        realms.close();
        realm.close();
      })()),
  };
}

/**
 * One server running alone in this process; the other one runs elsewhere. `oauthUrl` is this
 * server's issuer, or (for the MCP server) the one it trusts; `mcpUrl` this server's endpoint, or
 * (for the AS) the resource its tokens are for by default; `control` reaches both control planes,
 * the other server's only while it runs.
 */
export interface RunningServer extends Omit<RunningServers, 'ports' | 'realms' | 'createRealm'> {
  /** The port actually bound. */
  port: number;
}

/**
 * Only the authorization server (`start --only oauth`). An MCP server elsewhere introspects with the
 * same INTROSPECTION_CLIENT_SECRET, which is therefore required.
 */
export function startAuthServer(options: StartOptions = {}): Promise<RunningServer> {
  return startAlone('oauth', options);
}

/**
 * Only the MCP server (`start --only mcp`), trusting the authorization server at OAUTH_BASE_URL: it
 * introspects there with INTROSPECTION_CLIENT_ID/SECRET, both servers configured alike.
 */
export function startMcpServer(options: StartOptions = {}): Promise<RunningServer> {
  return startAlone('mcp', options);
}

async function startAlone(only: 'oauth' | 'mcp', options: StartOptions): Promise<RunningServer> {
  const config = resolveConfig({ ...options, only });
  const tls = readTls(config);
  const state = await openState(config, options.log);
  const listener = only === 'oauth' ? await bind(config.host, config.oauthPort, tls, 'OAUTH_PORT (--oauth-port)') : await bind(config.host, config.mcpPort, tls, 'MCP_PORT (--mcp-port)');
  const bound = bindConfig(config, only === 'oauth' ? { oauth: listener.port, mcp: config.mcpPort } : { oauth: config.oauthPort, mcp: listener.port }, Boolean(tls));
  const realm = new Realm(bound, sinkOf(options.log));
  await realm.ready;
  await restoreState(state, realm, () => listener.close());
  const streams = new EventStreams();
  const rs = only === 'mcp' ? mcpServerOver(realm, tls, undefined, undefined, streams) : undefined;
  const alone = { route: (path: string) => ({ path, realm }) };
  listener.serve(requestListener(rs ? aloneAtResourceOrigin(alone, rs.app.fetch) : createAuthServer(options, realm, streams).app.fetch));
  const consequence = only === 'mcp' ? 'the MCP server introspects there, so every MCP call answers 401 "introspection failed" until it does' : 'the MCP servers that name it cannot send clients here';
  const stopCheck = checkConfiguredIssuer(config, realm, tls, options.log, consequence, rs?.verifier);
  let closing: Promise<void> | undefined;
  return {
    ...facts(realm, tls),
    port: listener.port,
    close: () =>
      (closing ??= (async () => {
        stopCheck();
        streams.closeAll();
        await rs?.handler.close();
        await listener.close();
        await state?.close();
        rs?.verifier.close();
        realm.close();
      })()),
  };
}
