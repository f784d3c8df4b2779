import type { Hono } from 'hono';
import { jsonResponse } from '../http/oauth-error.js';
import { omitFields } from '../http/omit.js';
import type { AppEnv, Ctx } from '../pipeline/env.js';
import { methodNotAllowed } from '../pipeline/method.js';
import { strike } from '../pipeline/strike.js';
import { resourceScopes, type Policy } from '../policy.js';
import { PRM_CUSTOM_PATH, PRM_WELL_KNOWN, resourceMetadataPath, type RealmUrls } from '../urls.js';

/** Which of the three places a route answers for (policy prmLocation). */
type Place = 'path-inserted' | 'root' | 'custom';

/** `resource` as policy prmResource spoils it; RFC 9728 §3.3 wants exactly the identifier the client used. */
function advertisedResource(urls: RealmUrls, policy: Readonly<Policy>): string {
  switch (policy.prmResource) {
    case 'trailing-slash':
      return `${urls.resource}/`;
    case 'other-origin':
      // .invalid never resolves (RFC 6761 §6.4): another origin, same path.
      return `${urls.resourceUrl.protocol}//other-origin.invalid${urls.resourceUrl.pathname}`;
    case 'wrong-path':
      return `${urls.mcpBase}/not-mcp`;
    default:
      return urls.resource;
  }
}

/**
 * `authorization_servers` (RFC 9728 §2) as policy prmIssuers says: `several` lists this issuer first,
 * then the second one (MCP authorization: the client selects; both issue tokens this resource takes);
 * `migrated` names only the second (SEP-2352: a client must notice the change and register there).
 */
function authorizationServers(urls: RealmUrls, policy: Readonly<Policy>): string[] {
  if (policy.prmIssuers === 'several') return [urls.issuer, urls.secondIssuer];
  if (policy.prmIssuers === 'migrated') return [urls.secondIssuer];
  return [urls.issuer];
}

/** RFC 9728 §2 protected resource metadata. */
export function protectedResourceMetadata(urls: RealmUrls, policy: Readonly<Policy>): Record<string, unknown> {
  return {
    // Exactly the URL clients connect to (unless prmResource spoils it): the SDK client rejects a trailing-slash variant.
    resource: advertisedResource(urls, policy),
    authorization_servers: authorizationServers(urls, policy),
    // Never offline_access (SEP-2207): a refresh token is no requirement of this resource.
    scopes_supported: resourceScopes(policy),
    bearer_methods_supported: ['header'],
    resource_name: 'mcp-oauth-test-server (protected MCP server)',
  };
}

/**
 * The `resource_metadata` a challenge carries (RFC 9728 §5.1), or none: under prmAdvertised
 * `well-known` and `neither` no challenge names it (401 and 403 alike).
 */
export function challengeMetadataUrl(urls: RealmUrls, policy: Readonly<Policy>): string | undefined {
  if (policy.prmAdvertised === 'well-known' || policy.prmAdvertised === 'neither') return undefined;
  if (policy.prmLocation === 'root') return urls.resourceMetadataRootUrl;
  if (policy.prmLocation === 'custom') return urls.resourceMetadataCustomUrl;
  return urls.resourceMetadataUrl;
}

/**
 * Whether the document answers at `place`: where prmLocation puts it, and under `path-inserted` the
 * root too (MCP 2025-11-25 has clients try the path-inserted URL, then the root) unless only the
 * challenge advertises it; nowhere under `neither` (MCP 2025-03-26 had no protected-resource metadata).
 */
function servedAt(place: Place, policy: Readonly<Policy>): boolean {
  if (policy.prmAdvertised === 'neither') return false;
  if (place === policy.prmLocation) return true;
  return place === 'root' && policy.prmLocation === 'path-inserted' && policy.prmAdvertised !== 'header';
}

function notServed(c: Ctx, place: Place): Response {
  const p = c.get('realm').policy;
  const note = c.get('note');
  note.outcome = 'not_found';
  const why =
    p.prmAdvertised === 'neither'
      ? 'policy prmAdvertised is "neither": this resource serves no protected-resource metadata (MCP 2025-03-26); discover the authorization server at its origin'
      : `policy prmLocation is "${p.prmLocation}" and prmAdvertised "${p.prmAdvertised}": the document is not served at this ${place} location${challengeMetadataUrl(c.get('urls'), p) ? '; the 401 challenge\'s resource_metadata names where it is' : ''}`;
  return jsonResponse({ error: 'not_found', error_description: `no protected-resource metadata at ${c.req.path}: ${why}` }, 404);
}

/**
 * Mounted at every place the document may live (path-inserted, the root, our custom URL); each
 * request asks the realm's policy whether it answers there, so a policy change needs no new routes.
 */
export function mountResourceMetadata(app: Hono<AppEnv>, urls: RealmUrls): void {
  const serve = (place: Place) => async (c: Ctx) => {
    const note = c.get('note');
    note.endpoint = 'resource-metadata';
    const realm = c.get('realm');
    if (!servedAt(place, realm.policy)) return notServed(c, place);
    const omit = await strike(c, 'resource-metadata');
    return jsonResponse(omitFields(protectedResourceMetadata(c.get('urls'), realm.policy), omit), 200, { 'Cache-Control': 'no-cache' });
  };
  const base = urls.mcpBasePath;
  const places: Array<[string, Place]> = [
    [resourceMetadataPath(urls.resource), 'path-inserted'],
    [PRM_WELL_KNOWN, 'root'],
    [`${PRM_WELL_KNOWN}${base}`, 'root'],
    [PRM_CUSTOM_PATH, 'custom'],
    [`${base}${PRM_CUSTOM_PATH}`, 'custom'],
  ];
  const seen = new Set<string>();
  for (const [at, place] of places) {
    if (seen.has(at)) continue;
    seen.add(at);
    app.get(at, serve(place));
    app.all(at, methodNotAllowed('GET'));
  }
}
