import { SWITCH_NAMES, SWITCHES } from '../../control/switch-table.js';
import type { RealmUrls } from '../../urls.js';

/**
 * `GET /` for anything but a browser: what this server is and where everything lives, as discovery
 * would name it for this request's Host. No state: the URLs are those discovery publishes anyway.
 */
export function rootJson(urls: RealmUrls, realmId: string, realmsUrl: string): Record<string, unknown> {
  const origin = new URL(urls.issuer).origin;
  return {
    server: 'mcp-oauth-test-server',
    what: 'an OAuth 2.1 authorization server for testing OAuth-MCP clients (test only: consent is automatic)',
    realm: realmId,
    issuer: urls.issuer,
    discovery: {
      authorizationServer: urls.asMetadataPaths.map((p) => `${origin}${p}`),
      openidConfiguration: `${origin}${urls.oidcMetadataPath}`,
      protectedResource: urls.resourceMetadataUrl,
    },
    mcp: urls.resource,
    dashboard: `${urls.issuer}/ (open it in a browser: Accept: text/html)`,
    control: {
      state: urls.control('state'),
      events: urls.control('events?since=0'),
      eventStream: urls.control('events/stream'),
      faults: urls.control('faults'),
      policy: urls.control('policy'),
      realms: realmsUrl,
      switches: Object.fromEntries(SWITCH_NAMES.map((n) => [n, `POST ${SWITCHES[n].server === 'mcp' ? `${urls.mcpBase}/control/${n}` : urls.control(n)}`])),
    },
    docs: 'README.md, sections "Control plane" and "The dashboard" (npm: mcp-oauth-test-server)',
  };
}
