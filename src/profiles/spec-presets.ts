import type { Policy, PolicyPatch } from '../policy.js';

/** The MCP specification revisions with an authorization chapter a preset reproduces, oldest first. */
export const SPEC_VERSIONS = ['2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28'] as const;
export type SpecVersion = (typeof SPEC_VERSIONS)[number];
/** SPEC_VERSION's default: the newest revision. */
export const NEWEST_SPEC: SpecVersion = '2026-07-28';

/** One preset value and the section of that revision's basic/authorization chapter it comes from. */
type Cited<K extends keyof Policy> = { value: Policy[K]; cites: string };

/**
 * What one revision requires or permits of an authorization server and an MCP server, as a policy
 * change over the startup defaults. A preset is data, not a fork: it sets policy values and nothing
 * else, and a key it leaves out keeps the startup value (MCP_ERA and the like).
 */
export interface SpecPreset {
  version: SpecVersion;
  /** Where the revision lives: docs/specification/<version>/basic/authorization* in modelcontextprotocol/modelcontextprotocol. */
  url: string;
  values: { [K in keyof Policy]?: Cited<K> };
  /** What the revision requires that no policy value varies (this server always does it). */
  notes: string[];
}

const chapter = (v: SpecVersion) => `https://modelcontextprotocol.io/specification/${v}/basic/authorization`;

const DCR_SHOULD = '"Dynamic Client Registration": clients and authorization servers SHOULD support RFC 7591';
const NO_CIMD = 'no client ID metadata documents in this revision (first in 2025-11-25, "Client ID Metadata Documents")';
const NO_ISS = 'RFC 9207 is not among this revision\'s standards (first in 2026-07-28, "Authorization Response Validation"): no iss sent or advertised';
const LEGACY = 'a 2025 revision: versions are negotiated by the initialize handshake (basic/lifecycle "Initialization"), so the MCP server serves that era only';

export const SPEC_PRESETS: Record<SpecVersion, SpecPreset> = {
  '2025-03-26': {
    version: '2025-03-26',
    url: chapter('2025-03-26'),
    values: {
      prmAdvertised: { value: 'neither', cites: 'no protected-resource metadata: RFC 9728 is not among the revision\'s standards ("Standards Compliance"); the client derives the authorization base URL from the MCP server URL ("Authorization Base URL")' },
      asAtResourceOrigin: { value: true, cites: '"Server Metadata Discovery" / "Authorization Base URL": the metadata lives at the MCP server\'s origin; "Fallbacks for Servers without Metadata Discovery": /authorize, /token, /register there' },
      asDiscovery: { value: 'rfc8414', cites: '"Server Metadata Discovery": clients MUST follow RFC 8414 (no OpenID Connect Discovery)' },
      dynamicRegistration: { value: true, cites: DCR_SHOULD },
      cimd: { value: false, cites: NO_CIMD },
      issParameter: { value: false, cites: NO_ISS },
      mcpEra: { value: 'legacy', cites: LEGACY },
    },
    notes: ['PKCE is required of every client ("Authorization Code Protection", OAuth 2.1)'],
  },
  '2025-06-18': {
    version: '2025-06-18',
    url: chapter('2025-06-18'),
    values: {
      prmAdvertised: { value: 'both', cites: '"Authorization Server Location": MCP servers MUST implement RFC 9728 and MUST use WWW-Authenticate on a 401 to name the metadata URL' },
      asAtResourceOrigin: { value: false, cites: '"Authorization Server Location": the PRM\'s authorization_servers name the authorization server; the 2025-03-26 fallbacks are gone' },
      asDiscovery: { value: 'rfc8414', cites: '"Server Metadata Discovery": clients MUST follow RFC 8414' },
      dynamicRegistration: { value: true, cites: DCR_SHOULD },
      cimd: { value: false, cites: NO_CIMD },
      issParameter: { value: false, cites: NO_ISS },
      mcpEra: { value: 'legacy', cites: LEGACY },
    },
    notes: ['"Resource Parameter Implementation": clients MUST send RFC 8707 resource (the canonical MCP server URI) in authorization and token requests; tokens are bound to it'],
  },
  '2025-11-25': {
    version: '2025-11-25',
    url: chapter('2025-11-25'),
    values: {
      prmAdvertised: { value: 'both', cites: '"Protected Resource Metadata Discovery Requirements": MCP servers MUST implement one of the 401 header and the well-known URI; clients MUST support both' },
      asAtResourceOrigin: { value: false, cites: '"Authorization Server Location": the PRM names the authorization server' },
      asDiscovery: { value: 'both', cites: '"Authorization Server Metadata Discovery": clients MUST try RFC 8414 and OpenID Connect Discovery 1.0 endpoints' },
      dynamicRegistration: { value: true, cites: '"Overview" 3: authorization servers MAY support RFC 7591' },
      cimd: { value: true, cites: '"Client ID Metadata Documents": clients and authorization servers SHOULD support them; "Discovery": client_id_metadata_document_supported advertises it' },
      issParameter: { value: false, cites: NO_ISS },
      mcpEra: { value: 'legacy', cites: LEGACY },
      pkceMethodsAdvertised: { value: 'S256', cites: '"Authorization Code Protection": clients MUST refuse an authorization server whose metadata lacks code_challenge_methods_supported' },
    },
    notes: ['"Resource Parameter Implementation": RFC 8707 resource, as in 2025-06-18'],
  },
  '2026-07-28': {
    version: '2026-07-28',
    url: chapter('2026-07-28'),
    values: {
      prmAdvertised: { value: 'both', cites: 'authorization-server-discovery "Protected Resource Metadata Discovery Requirements": one of header and well-known MUST, clients support both' },
      asAtResourceOrigin: { value: false, cites: 'authorization-server-discovery "Authorization Server Location": the PRM names the authorization server' },
      asDiscovery: { value: 'both', cites: 'index "Overview" 5: at least one of RFC 8414 and OpenID Connect Discovery 1.0; clients MUST support both' },
      dynamicRegistration: { value: true, cites: 'index "Overview" 3 / client-registration "Dynamic Client Registration": MAY, deprecated and retained for backwards compatibility' },
      cimd: { value: true, cites: 'index "Overview" 2 / client-registration "Advertising CIMD Support": SHOULD, advertised in the metadata' },
      issParameter: { value: true, cites: 'index "Authorization Response Validation": authorization servers SHOULD send iss (RFC 9207 §2), errors included, and MUST advertise it; clients MUST validate it before /token' },
      pkceMethodsAdvertised: { value: 'S256', cites: 'security-considerations "Authorization Code Protection": clients MUST refuse an authorization server whose metadata lacks code_challenge_methods_supported' },
    },
    // mcpEra is left to MCP_ERA (default dual): 2026-07-28 servers may keep serving the 2025
    // revisions beside it (basic/versioning "Backward Compatibility with Initialization-Based Versions":
    // a server MAY implement both), and the newest preset is the
    // default, so a modern-only preset would shut out every 2025 client (the SDK 1.32.2 one) by default.
    notes: ['"Resource Parameter Implementation": RFC 8707 resource', 'the protocol era is MCP_ERA\'s (default dual): a 2026-07-28 server MAY also serve the initialize-based revisions (basic/versioning "Backward Compatibility with Initialization-Based Versions")'],
  },
};

/** A preset's values as a policy change. */
export function presetPatch(version: SpecVersion): PolicyPatch {
  const values = SPEC_PRESETS[version].values as Record<string, { value: unknown }>;
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, structuredClone(v.value)])) as PolicyPatch;
}
