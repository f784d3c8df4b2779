import type { CheckStatus, SpecReference } from './check.js';
import type { ClientFacts, Topic } from './facts.js';
import type { Lineage } from './lineage.js';

/** What the grading of one check may read besides the client's own facts. */
export interface GradeContext {
  lineage?: Lineage;
  /** Whether the realm rotates refresh tokens now: parallel refreshes show only then. */
  rotates: boolean;
  /** Protected-resource metadata paths requested on the realm (discovery carries no client_id). */
  prmPaths: string[];
}

/** A grade: passed, broken (FAILURE for a MUST, WARNING for a SHOULD), not applicable, or a fact. */
export type Verdict = { pass: boolean; says: string; details?: Record<string, unknown>; status?: CheckStatus } | { skip: string } | { info: string; details?: Record<string, unknown> };

export interface CheckDef {
  id: string;
  name: string;
  /** The standard's word: breaking a MUST is FAILURE, a SHOULD WARNING; INFO checks only report. */
  word: 'MUST' | 'SHOULD' | 'INFO';
  /** True when the MCP conformance suite has a check of this id (README lists which). */
  suite: boolean;
  /** What it checks, in one line (the README's catalogue). */
  checks: string;
  refs: SpecReference[];
  /** Whose event ids prove it. */
  topic?: Topic;
  grade(f: ClientFacts, ctx: GradeContext): Verdict;
}

const MCP = 'https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization';
export const REF = {
  pkce: { id: 'MCP-PKCE-requirement', url: `${MCP}#authorization-code-protection` },
  rfc7636: { id: 'RFC-7636', url: 'https://www.rfc-editor.org/rfc/rfc7636.html#section-4.1' },
  oauth21Authz: { id: 'OAUTH-2.1-authorization-request', url: 'https://www.ietf.org/archive/id/draft-ietf-oauth-v2-1-13.html#section-4.1.1' },
  oauth21Token: { id: 'OAUTH-2.1-token-request', url: 'https://www.ietf.org/archive/id/draft-ietf-oauth-v2-1-13.html#name-token-request' },
  resource: { id: 'MCP-Resource-Parameter-Implementation', url: `${MCP}#resource-parameter-implementation` },
  rfc8707: { id: 'RFC-8707-Resource-Indicators', url: 'https://www.rfc-editor.org/rfc/rfc8707.html#section-2' },
  rfc9700Csrf: { id: 'RFC-9700-CSRF', url: 'https://www.rfc-editor.org/rfc/rfc9700.html#section-4.7.1' },
  commSecurity: { id: 'MCP-Communication-security', url: `${MCP}#communication-security` },
  dcr: { id: 'MCP-Dynamic-client-registration', url: `${MCP}#dynamic-client-registration` },
  rfc7591: { id: 'RFC-7591-client-metadata', url: 'https://www.rfc-editor.org/rfc/rfc7591.html#section-2' },
  sep2207: { id: 'SEP-2207-Refresh-Token-Guidance', url: 'https://github.com/modelcontextprotocol/modelcontextprotocol/pull/2207' },
  rfc6749Refresh: { id: 'RFC-6749-refresh', url: 'https://www.rfc-editor.org/rfc/rfc6749.html#section-6' },
  rotation: { id: 'OAUTH-2.1-refresh-token-rotation', url: 'https://www.ietf.org/archive/id/draft-ietf-oauth-v2-1-13.html#section-4.3.1' },
  rfc9700Refresh: { id: 'RFC-9700-refresh-token-protection', url: 'https://www.rfc-editor.org/rfc/rfc9700.html#section-4.14.2' },
  scopeChallenge: { id: 'MCP-Scope-challenge-handling', url: `${MCP}#scope-challenge-handling` },
  scopeSelection: { id: 'MCP-Scope-selection-strategy', url: `${MCP}#scope-selection-strategy` },
  tokenUsage: { id: 'MCP-Access-token-usage', url: `${MCP}#access-token-usage` },
  rfc6750: { id: 'RFC-6750-bearer-header', url: 'https://www.rfc-editor.org/rfc/rfc6750.html#section-2.1' },
  rfc6750Errors: { id: 'RFC-6750-error-codes', url: 'https://www.rfc-editor.org/rfc/rfc6750.html#section-3.1' },
  protocolHeader: { id: 'MCP-Protocol-Version-header', url: 'https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#protocol-version-header' },
  sep2243: { id: 'SEP-2243-HTTP-headers', url: 'https://github.com/modelcontextprotocol/modelcontextprotocol/pull/2243' },
  prm: { id: 'MCP-2025-06-18-PRM-discovery', url: `${MCP}#protected-resource-metadata-discovery-requirements` },
} satisfies Record<string, SpecReference>;

/** More authorizations than this for one and the same scope challenge is a loop (the conformance suite's limit). */
export const SCOPE_RETRY_LIMIT = 3;
/** Registrations in one lineage past which it is a storm. */
export const REGISTRATION_STORM = 5;
/** Consents open at once (codes issued, not yet redeemed) from which it is parallel authorization. */
export const PARALLEL_AUTHORIZATIONS = 3;
/** The same refused refresh token presented this many times is a loop. */
export const INVALID_GRANT_LOOP = 3;

export const none = (what: string) => ({ skip: `no ${what} seen from this client` });
export const pass = (says: string, details?: Record<string, unknown>): Verdict => ({ pass: true, says, details });
export const fail = (says: string, details?: Record<string, unknown>): Verdict => ({ pass: false, says, details });
