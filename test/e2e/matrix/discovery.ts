import type { Row } from './row.js';


const NOREG_V2 = 'RegistrationRejectedError: Dynamic Client Registration rejected (HTTP 404): {"error":"not_found","error_description":"no endpoint at POST /register"}';
const NOREG_1 = 'ServerError: no endpoint at POST /register';
const NOMETA_O4W = 'discovery refused: status 404';
const RESOURCE_O4W = 'PRM refused: "resource" does not match';
const SECOND = 'connects (second issuer)';
const DEFAULTS = 'connects, default endpoints';
const AT_MCP = 'connects (AS at the MCP origin)';
const AT_MCP_DEFAULTS = 'connects (AS at the MCP origin), default endpoints';

/** The protected-resource and AS discovery knobs (policy prmAdvertised … asAtResourceOrigin). */
/** What each client did under each discovery knob, as test/e2e/discovery-clients.test.ts asserts it. */
export const ROWS: Row[] = [
  { knob: 'PRM in the header and at the well-known URLs (default)', v2: 'connects', sdk1: 'connects', o4w: 'connects' },
  { knob: 'PRM in the header only', policy: { prmAdvertised: 'header' }, v2: 'connects', sdk1: 'connects', o4w: 'connects' },
  { knob: 'PRM at the well-known URLs only', policy: { prmAdvertised: 'well-known' }, v2: 'connects', sdk1: 'connects', o4w: 'connects' },
  { knob: 'PRM at the root well-known only', policy: { prmAdvertised: 'well-known', prmLocation: 'root' }, v2: 'connects', sdk1: 'connects', o4w: 'connects' },
  { knob: 'PRM at the root, named by the header', policy: { prmLocation: 'root' }, v2: 'connects', sdk1: 'connects', o4w: 'connects' },
  { knob: 'PRM at a custom URL, named by the header', policy: { prmLocation: 'custom' }, v2: 'connects', sdk1: 'connects', o4w: 'connects' },
  { knob: 'PRM at a custom URL nothing names', policy: { prmAdvertised: 'well-known', prmLocation: 'custom' }, v2: NOREG_V2, sdk1: NOREG_1, o4w: NOMETA_O4W },
  { knob: 'no PRM (2025-03-26), AS on its own origin', policy: { prmAdvertised: 'neither' }, v2: NOREG_V2, sdk1: NOREG_1, o4w: NOMETA_O4W },
  { knob: 'PRM resource with a trailing slash', policy: { prmResource: 'trailing-slash' }, v2: 'Error: Protected resource <mcp>/mcp/ does not match expected <mcp>/mcp (or origin)', sdk1: 'Error: Protected resource <mcp>/mcp/ does not match expected <mcp>/mcp (or origin)', o4w: RESOURCE_O4W },
  { knob: 'PRM resource on another origin', policy: { prmResource: 'other-origin' }, v2: 'Error: Protected resource http://other-origin.invalid/mcp does not match expected <mcp>/mcp (or origin)', sdk1: 'Error: Protected resource http://other-origin.invalid/mcp does not match expected <mcp>/mcp (or origin)', o4w: RESOURCE_O4W },
  { knob: 'PRM resource on another path', policy: { prmResource: 'wrong-path' }, v2: 'Error: Protected resource <mcp>/not-mcp does not match expected <mcp>/mcp (or origin)', sdk1: 'Error: Protected resource <mcp>/not-mcp does not match expected <mcp>/mcp (or origin)', o4w: RESOURCE_O4W },
  { knob: 'several authorization_servers', policy: { prmIssuers: 'several' }, v2: 'connects', sdk1: 'connects', o4w: 'connects' },
  { knob: 'migrated issuer (a fresh client)', policy: { prmIssuers: 'migrated' }, v2: SECOND, sdk1: SECOND, o4w: SECOND },
  { knob: 'AS metadata: RFC 8414 only', policy: { asDiscovery: 'rfc8414' }, v2: 'connects', sdk1: 'connects', o4w: 'connects' },
  { knob: 'AS metadata: OIDC Discovery only', policy: { asDiscovery: 'oidc' }, v2: 'connects', sdk1: 'connects', o4w: 'connects' },
  { knob: 'AS metadata: none (default endpoints)', policy: { asDiscovery: 'none' }, v2: DEFAULTS, sdk1: DEFAULTS, o4w: NOMETA_O4W },
  { knob: 'the 2025-03-26 layout: no PRM, AS metadata at the MCP origin', policy: { prmAdvertised: 'neither', asAtResourceOrigin: true }, v2: AT_MCP, sdk1: AT_MCP, o4w: AT_MCP },
  { knob: 'the 2025-03-26 fallback: no PRM, no metadata, default endpoints at the MCP origin', policy: { prmAdvertised: 'neither', asAtResourceOrigin: true, asDiscovery: 'none' }, v2: AT_MCP_DEFAULTS, sdk1: AT_MCP_DEFAULTS, o4w: NOMETA_O4W },
  { knob: 'the 2025-03-26 layout with OIDC Discovery only at the MCP origin', policy: { prmAdvertised: 'neither', asAtResourceOrigin: true, asDiscovery: 'oidc' }, v2: AT_MCP, sdk1: AT_MCP, o4w: AT_MCP },
];

/**
 * A client that connected under the first issuer, then meets `prmIssuers: "migrated"` with its tokens
 * and registration in hand (SEP-2352: it must notice and register at the new issuer).
 */
export const MIGRATION: Omit<Row, 'policy' | 'faults'> = {
  knob: 'the issuer migrates under a connected client',
  v2: 'refreshes at the first issuer, then SdkHttpError: Server returned 401 after re-authentication; no registration at the second issuer',
  sdk1: 'refreshes at the first issuer, then Error: Streamable HTTP error: Server returned 401 after successful authentication; no registration at the second issuer',
  o4w: 'the old token: 401; discovery again: connects (second issuer)',
};
