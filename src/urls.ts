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
  }

  endpoint(name: AsEndpoint): string {
    return `${this.issuer}${AS_PATHS[name]}`;
  }

  /** A control-plane URL on the authorization server, e.g. control('state'). */
  control(name: string): string {
    return `${this.issuer}/control/${name}`;
  }

  /** The issuer's path ('' at the root): its endpoints are served under it. */
  get issuerPath(): string {
    return pathOf(this.issuer);
  }

  /** The MCP base URL's path ('' at the root): /mcp and the MCP control plane live under it. */
  get mcpBasePath(): string {
    return pathOf(this.mcpBase);
  }

  /** Where RFC 8414 §3.1 puts the metadata: the well-known segment inserted before the issuer's path. */
  get asMetadataPaths(): string[] {
    const root = '/.well-known/oauth-authorization-server';
    return this.issuerPath ? [root, `${root}${this.issuerPath}`] : [root];
  }

}

export function resourceMetadataUrl(resource: string): string {
  return `${new URL(resource).origin}${resourceMetadataPath(resource)}`;
}

export function resourceMetadataPath(resource: string): string {
  return `/.well-known/oauth-protected-resource${new URL(resource).pathname.replace(/\/$/, '')}`;
}

/** The host part of a default base URL: loopback and wildcard binds are advertised as `localhost`. */
export function advertisedHost(host: string): string {
  if (['127.0.0.1', '::1', '0.0.0.0', '::', 'localhost'].includes(host)) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/** The base URL a server has when none is configured: its scheme, advertised host and port. */
export function defaultBaseUrl(host: string, port: number, tls: boolean): string {
  return `${tls ? 'https' : 'http'}://${advertisedHost(host)}:${port}`;
}
