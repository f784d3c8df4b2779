import { classifyInboundRequest, isJSONRPCNotification, isJSONRPCRequest, PROTOCOL_VERSION_META_KEY, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import type { McpEra } from '../policy.js';

/**
 * The era one request is served in. Under `dual` (the specification's dual-era server,
 * basic/versioning "Compatibility Matrix") the request decides; `modern` answers a legacy request
 * as a modern-only server does (400, -32022 naming the supported versions); `legacy` answers a
 * modern request as a pre-2026 server does (it knows no 2026-07-28).
 */
export type Era = 'legacy' | 'modern';

/**
 * basic/transports "Protocol Version Header": a server that receives no MCP-Protocol-Version
 * header SHOULD assume 2025-03-26 (the revision before the header existed).
 */
const ASSUMED_LEGACY_VERSION = '2025-03-26';

export interface EraOfRequest {
  era: Era;
  /** The version the request claims: the envelope's (modern), or the header's, or initialize's own (legacy). */
  protocolVersion: string;
}

type Message = { method?: unknown; params?: { protocolVersion?: unknown; _meta?: Record<string, unknown> } };

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The 2026-07-28 envelope claim: the reserved protocol-version key in params._meta, whatever its value. */
export const hasClaim = (params: unknown): boolean => isPlainObject(params) && isPlainObject(params._meta) && PROTOCOL_VERSION_META_KEY in params._meta;

/**
 * The MCP-Protocol-Version values the SDK's classification takes for a pre-2026 revision, asked of
 * the SDK itself once (a claim-less request with each header), so that this list cannot drift from it.
 */
const LEGACY_HEADERS: ReadonlySet<string> = new Set(
  SUPPORTED_PROTOCOL_VERSIONS.filter(
    (v) => classifyInboundRequest({ httpMethod: 'POST', protocolVersionHeader: v, body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } }).kind === 'legacy',
  ),
);

/**
 * Which leg the SDK's `classifyInboundRequest` routes a POST body to, without running it for the
 * two shapes nearly every request has. The classification tries the body as a JSON-RPC result and
 * as an error first; both zod parses fail and build their issues on every request (8 KB a tool call).
 * Without `result`/`error` keys those two cannot match (the schemas are strict and require them), and then:
 * - a claim and a method other than `initialize`: the modern path, which serves or rejects it;
 * - no claim and no 2026 header: the legacy leg if it is a JSON-RPC request or notification, else
 *   the shape rejection, which the modern path answers.
 * Everything else (batches, posted responses, `initialize` with a claim, a 2026 header without a
 * claim) is asked of the SDK. test/mcp/era-classification.test.ts holds both to the same answers.
 */
function sdkLeg(parsed: unknown, header: string | undefined, headers: Headers): 'legacy' | 'not-legacy' {
  if (isPlainObject(parsed) && !('result' in parsed) && !('error' in parsed)) {
    const claim = hasClaim(parsed.params);
    if (claim && parsed.method !== 'initialize') return 'not-legacy';
    if (!claim && (header === undefined || LEGACY_HEADERS.has(header))) return isJSONRPCRequest(parsed) || isJSONRPCNotification(parsed) ? 'legacy' : 'not-legacy';
  }
  const outcome = classifyInboundRequest({
    httpMethod: 'POST',
    protocolVersionHeader: header,
    mcpMethodHeader: headers.get('mcp-method') ?? undefined,
    mcpNameHeader: headers.get('mcp-name') ?? undefined,
    body: parsed,
  });
  return outcome.kind === 'legacy' ? 'legacy' : 'not-legacy';
}

/**
 * The era a request is served in under a setting, by the SDK's own classification (the code
 * `createMcpHandler` routes with, so the two never disagree): only `dual` looks at the request.
 */
export function eraOf(setting: McpEra, parsed: unknown, headers: Headers): EraOfRequest {
  const first = (Array.isArray(parsed) ? parsed[0] : parsed) as Message | null | undefined;
  const header = headers.get('mcp-protocol-version') ?? undefined;
  const claimed = first?.params?._meta?.[PROTOCOL_VERSION_META_KEY];
  const era: Era = setting !== 'dual' ? setting : parsed !== undefined && sdkLeg(parsed, header, headers) !== 'legacy' ? 'modern' : 'legacy';
  const initialize = first?.method === 'initialize' && typeof first.params?.protocolVersion === 'string' ? first.params.protocolVersion : undefined;
  const protocolVersion = era === 'modern' && typeof claimed === 'string' ? claimed : (header ?? initialize ?? ASSUMED_LEGACY_VERSION);
  return { era, protocolVersion };
}

/** eraOf's leg decision alone, and the SDK's, for the test that holds them together. */
export const legOf = sdkLeg;
