import { classifyInboundRequest, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';
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

/**
 * The era a request is served in under a setting, by the SDK's own classification (the code
 * `createMcpHandler` routes with, so the two never disagree): only `dual` looks at the request.
 */
export function eraOf(setting: McpEra, parsed: unknown, headers: Headers): EraOfRequest {
  const first = (Array.isArray(parsed) ? parsed[0] : parsed) as { method?: unknown; params?: { protocolVersion?: unknown; _meta?: Record<string, unknown> } } | null | undefined;
  const header = headers.get('mcp-protocol-version') ?? undefined;
  const claimed = first?.params?._meta?.[PROTOCOL_VERSION_META_KEY];
  const era: Era =
    setting !== 'dual'
      ? setting
      : parsed !== undefined &&
          classifyInboundRequest({
            httpMethod: 'POST',
            protocolVersionHeader: header,
            mcpMethodHeader: headers.get('mcp-method') ?? undefined,
            mcpNameHeader: headers.get('mcp-name') ?? undefined,
            body: parsed,
          }).kind !== 'legacy'
        ? 'modern'
        : 'legacy';
  const initialize = first?.method === 'initialize' && typeof first.params?.protocolVersion === 'string' ? first.params.protocolVersion : undefined;
  const protocolVersion = era === 'modern' && typeof claimed === 'string' ? claimed : (header ?? initialize ?? ASSUMED_LEGACY_VERSION);
  return { era, protocolVersion };
}
