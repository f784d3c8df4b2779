/**
 * Every public URL of a realm, derived from its two base URLs in one place, so that the issuer,
 * the endpoints in discovery, `iss`, the resource and the metadata locations can never drift apart
 * (navikt's mock-oauth2-server derives each URL from the issuer the same way). A realm under a path
 * prefix is just another pair of base URLs.
 */

/** Endpoints of the authorization server, relative to its issuer. */
export const AS_PATHS = {
  authorize: '/authorize',
  token: '/token',
  register: '/register',
  introspect: '/introspect',
  revoke: '/revoke',
  jwks: '/jwks',
} as const;
export type AsEndpoint = keyof typeof AS_PATHS;

const pathOf = (base: string): string => new URL(base).pathname.replace(/\/$/, '');

export class RealmUrls {
  /** The issuer: canonical, no trailing slash (RFC 8414 §2). */
  readonly issuer: string;
  /** The MCP resource identifier: exactly the URL clients connect to (RFC 9728 §3, RFC 8707). */
  readonly resource: string;
  /** The resource as a URL (the SDK's AuthInfo.resource), built once: /mcp hands it out per request. */
  readonly resourceUrl: URL;
  /** RFC 9728 §3.1: the metadata URL for the resource inserts the well-known segment before its path. */
  readonly resourceMetadataUrl: string;

  constructor(
    readonly oauthBase: string,
    readonly mcpBase: string,
  ) {
    this.issuer = oauthBase;
    this.resource = `${mcpBase}/mcp`;
    this.resourceUrl = new URL(this.resource);
    this.resourceMetadataUrl = resourceMetadataUrl(this.resource);
    // Read on every request (routing, the realm's paths): parsed once, not per read.
    this.issuerPath = pathOf(oauthBase);
    this.mcpBasePath = pathOf(mcpBase);
  }

  endpoint(name: AsEndpoint): string {
    return `${this.issuer}${AS_PATHS[name]}`;
  }

  /** A control-plane URL on the authorization server, e.g. control('state'). */
  control(name: string): string {
    return `${this.issuer}/control/${name}`;
  }

  /** The issuer's path ('' at the root): its endpoints are served under it. */
  readonly issuerPath: string;

  /** The MCP base URL's path ('' at the root): /mcp and the MCP control plane live under it. */
  readonly mcpBasePath: string;

  /** Where RFC 8414 §3.1 puts the metadata: the well-known segment inserted before the issuer's path. */
  get asMetadataPaths(): string[] {
    const root = '/.well-known/oauth-authorization-server';
    return this.issuerPath ? [root, `${root}${this.issuerPath}`] : [root];
  }

  /** OpenID Connect Discovery §4: the issuer's own path, then the well-known segment (clients try it after RFC 8414's). */
  get oidcMetadataPath(): string {
    return `${this.issuerPath}/.well-known/openid-configuration`;
  }

  /**
   * OpenID Connect Discovery at both places MCP 2025-11-25 ("Authorization Server Metadata Discovery")
   * has clients try for a path issuer: the well-known segment inserted before the path, then appended.
   */
  get oidcMetadataPaths(): string[] {
    const appended = this.oidcMetadataPath;
    return this.issuerPath ? [`/.well-known/openid-configuration${this.issuerPath}`, appended] : [appended];
  }

  /** RFC 9728 §3.1 for the MCP base URL rather than the endpoint: the host's root well-known for an MCP server at the root (prmLocation `root`). */
  get resourceMetadataRootUrl(): string {
    return `${new URL(this.mcpBase).origin}${PRM_WELL_KNOWN}${this.mcpBasePath}`;
  }

  /** A metadata URL of our own naming outside the well-known space (prmLocation `custom`): only a challenge can lead a client there. */
  get resourceMetadataCustomUrl(): string {
    return `${this.mcpBase}${PRM_CUSTOM_PATH}`;
  }

  /**
   * The second issuer this realm's process serves under the issuer's path (policy prmIssuers
   * `several` and `migrated`, SEP-2352): a realm of its own, with its own clients, keys and tokens.
   */
  get secondIssuer(): string {
    return `${this.issuer}${SECOND_ISSUER_SEGMENT}`;
  }

  /**
   * The authorization server as MCP 2025-03-26 finds it at the resource's origin (policy
   * asAtResourceOrigin): its issuer and endpoints at the MCP base URL ("Authorization Base URL"), so
   * that the document served there is self-consistent (RFC 8414 §3.3) and its tokens are for the same resource.
   */
  get atResourceOrigin(): RealmUrls {
    return (this.resourceOriginUrls ??= new RealmUrls(this.mcpBase, this.mcpBase));
  }
  private resourceOriginUrls: RealmUrls | undefined;

}

const WELL_KNOWN = '/.well-known/';
/** RFC 9728 §3: the well-known segment of protected-resource metadata. */
export const PRM_WELL_KNOWN = '/.well-known/oauth-protected-resource';
/** prmLocation `custom`: where the document is served under the MCP base URL. */
export const PRM_CUSTOM_PATH = '/mcp-resource-metadata.json';
/** The second issuer's path under a realm's issuer (prmIssuers `several`, `migrated`). */
export const SECOND_ISSUER_SEGMENT = '/migrated';

/**
 * The path a second issuer's routes see, when `path` (as a realm's routes see it: `/r/<id>` already
 * taken out) addresses one: `/migrated/token` → `/token`, and the well-known documents with the
 * segment after the well-known one (`/.well-known/oauth-authorization-server/migrated`). Undefined: not the second issuer's.
 */
export function splitSecondIssuerPath(path: string, basePath = ''): string | undefined {
  let head = '';
  let rest = path;
  if (rest.startsWith(WELL_KNOWN)) {
    const end = rest.indexOf('/', WELL_KNOWN.length);
    if (end < 0) return undefined;
    head = rest.slice(0, end);
    rest = rest.slice(end);
  }
  if (basePath !== '' && rest.startsWith(basePath)) {
    head += basePath;
    rest = rest.slice(basePath.length);
  }
  if (rest !== SECOND_ISSUER_SEGMENT && !rest.startsWith(`${SECOND_ISSUER_SEGMENT}/`)) return undefined;
  return `${head}${rest.slice(SECOND_ISSUER_SEGMENT.length)}` || '/';
}

/** Where a realm lives under its server's base URL (`/r/<id>`): its issuer, resource and control plane. */
export const REALM_SEGMENT = '/r/';

/** A created realm's base URL: the server's own, with `/r/<id>` appended. */
export const realmBase = (base: string, id: string): string => `${base}${REALM_SEGMENT}${id}`;


/**
 * The realm a request path addresses, and the path the server's routes see without `/r/<id>`:
 * `/r/<id>/token`, `<basePath>/r/<id>/token`, and the well-known documents, whose segment comes
 * first (RFC 8414 §3.1, RFC 9728 §3.1: `/.well-known/oauth-authorization-server/r/<id>`,
 * `/.well-known/oauth-protected-resource/r/<id>/mcp`). Undefined: the path names no realm.
 */
export function splitRealmPath(path: string, basePath = ''): { id: string; path: string } | undefined {
  let head = '';
  let rest = path;
  if (rest.startsWith(WELL_KNOWN)) {
    const end = rest.indexOf('/', WELL_KNOWN.length);
    if (end < 0) return undefined;
    head = rest.slice(0, end);
    rest = rest.slice(end);
  }
  if (basePath !== '' && rest.startsWith(basePath) && rest.startsWith(REALM_SEGMENT, basePath.length)) {
    head += basePath;
    rest = rest.slice(basePath.length);
  }
  if (!rest.startsWith(REALM_SEGMENT)) return undefined;
  const end = rest.indexOf('/', REALM_SEGMENT.length);
  const id = rest.slice(REALM_SEGMENT.length, end < 0 ? undefined : end);
  return { id, path: `${head}${end < 0 ? '' : rest.slice(end)}` || '/' };
}

export function resourceMetadataUrl(resource: string): string {
  return `${new URL(resource).origin}${resourceMetadataPath(resource)}`;
}

export function resourceMetadataPath(resource: string): string {
  return `${PRM_WELL_KNOWN}${new URL(resource).pathname.replace(/\/$/, '')}`;
}

/**
 * The host part of a default base URL: loopback and wildcard binds are advertised as `localhost`,
 * except `::1`, which `localhost` may not reach (it resolves to 127.0.0.1 first on many systems).
 */
export function advertisedHost(host: string): string {
  if (['127.0.0.1', '0.0.0.0', '::', 'localhost'].includes(host)) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/** The names of this machine a client may use for a loopback or wildcard bind, as URL hosts. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'] as const;
const LOOPBACK_BINDS = ['127.0.0.1', '::1', '0.0.0.0', '::', 'localhost'];

/** The loopback name in a Host header (`127.0.0.1:9101` → `127.0.0.1`), if it is one. */
function loopbackName(hostHeader: string): (typeof LOOPBACK_NAMES)[number] | undefined {
  const name = hostHeader.toLowerCase().replace(/:\d+$/, '');
  return (LOOPBACK_NAMES as readonly string[]).includes(name) ? (name as (typeof LOOPBACK_NAMES)[number]) : undefined;
}

/** How a realm's default base URLs were derived: only those may follow the name a client used. */
export interface DerivedBases {
  oauthPort?: number;
  mcpPort?: number;
  tls: boolean;
  bindHost: string;
}

/**
 * The realm's URLs as a client sees them. When a base URL was not configured, a client that came
 * through `localhost`, `127.0.0.1` or `[::1]` gets discovery, challenges, `iss` and the audience
 * check for the name it used (the SDK client refuses a resource whose origin differs from the URL
 * it was given). Configured base URLs are never rewritten: a request naming another host is told
 * once on the console.
 */
export class HostAwareUrls {
  private readonly byName = new Map<string, RealmUrls>();
  /** Host header → answer, per server: `for` runs on every request, and clients send few distinct ones. */
  private readonly byHost = { oauth: new Map<string, RealmUrls>(), mcp: new Map<string, RealmUrls>() };
  private readonly warned = new Set<string>();
  /** The configured bases as URLs, parsed once: `for` runs on every request. */
  private readonly bases: Record<'oauth' | 'mcp', URL>;

  constructor(
    readonly canonical: RealmUrls,
    private readonly derived: DerivedBases | undefined,
    private readonly notice?: (line: string) => void,
  ) {
    this.bases = { oauth: new URL(canonical.oauthBase), mcp: new URL(canonical.mcpBase) };
  }

  /** The URLs for a request that arrived at `server` with this Host header. */
  for(server: 'oauth' | 'mcp', hostHeader: string | undefined): RealmUrls {
    if (hostHeader === undefined) return this.canonical;
    const seen = this.byHost[server];
    let urls = seen.get(hostHeader);
    if (urls === undefined) {
      urls = this.resolve(server, hostHeader);
      // Bounded: beyond 32 distinct Host headers, answers are worked out each time.
      if (seen.size < 32) seen.set(hostHeader, urls);
    }
    return urls;
  }

  private resolve(server: 'oauth' | 'mcp', hostHeader: string): RealmUrls {
    const d = this.derived;
    const derivedHere = d !== undefined && (server === 'oauth' ? d.oauthPort : d.mcpPort) !== undefined;
    const name = derivedHere && LOOPBACK_BINDS.includes(d!.bindHost) ? loopbackName(hostHeader) : undefined;
    if (name === undefined) {
      if (!derivedHere) this.warnOnce(server, hostHeader);
      return this.canonical;
    }
    let urls = this.byName.get(name);
    if (!urls) {
      // A realm's base keeps its path (/r/<id>) under the name the client used.
      const base = (port: number | undefined, configured: string) => (port === undefined ? configured : `${d!.tls ? 'https' : 'http'}://${name}:${port}${pathOf(configured)}`);
      urls = new RealmUrls(base(d!.oauthPort, this.canonical.oauthBase), base(d!.mcpPort, this.canonical.mcpBase));
      this.byName.set(name, urls);
    }
    return urls;
  }

  private warnOnce(server: 'oauth' | 'mcp', hostHeader: string): void {
    const base = this.bases[server];
    if (!this.notice || this.warned.has(hostHeader) || this.warned.size >= 16 || hostHeader.toLowerCase() === base.host) return;
    this.warned.add(hostHeader);
    const setting = server === 'oauth' ? 'OAUTH_BASE_URL' : 'MCP_BASE_URL';
    this.notice(`[${server}] a request came in for Host ${hostHeader}, but ${setting} is ${base.origin}: discovery, iss and audiences name ${base.origin} (once per host)`);
  }
}

/** The base URL a server has when none is configured: its scheme, advertised host and port. */
export function defaultBaseUrl(host: string, port: number, tls: boolean): string {
  return `${tls ? 'https' : 'http'}://${advertisedHost(host)}:${port}`;
}
