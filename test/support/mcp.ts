/** Raw Streamable HTTP requests to an MCP endpoint, and what the tests read from tool results. */
import { answer, type Answer } from './answer.js';
import { bearer } from './http.js';

/** What a Streamable HTTP client sends with every POST. */
export const MCP_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

let rpcId = 0;
export const rpcBody = (method: string, params: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id: ++rpcId, method, params });
export const initializeBody = () => rpcBody('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw-http-test', version: '1.0.0' } });
export const toolsListBody = () => rpcBody('tools/list');
export const toolsCallBody = (name: string, args: Record<string, unknown>) => rpcBody('tools/call', { name, arguments: args });

/** POSTs one JSON-RPC message to the MCP endpoint as a Streamable HTTP client would. */
export function postMcp(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, 'MCP-Protocol-Version': '2025-06-18', ...headers },
    body: JSON.stringify(body),
  });
}

/** One stateless JSON-RPC request to /mcp, with the bearer token if there is one, read to the end. */
export async function rpc(mcpUrl: string, token: string | undefined, method: string, params: Record<string, unknown> = {}): Promise<Answer> {
  return answer(await postMcp(mcpUrl, rpcBody(method, params), bearer(token)));
}

export const callTool = (mcpUrl: string, token: string | undefined, name = 'echo', args: Record<string, unknown> = { message: 'hi' }) =>
  rpc(mcpUrl, token, 'tools/call', { name, arguments: args });

/** Text of the first content item of a tool result. */
export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content[0]?.text ?? '';
}

/** The 2026-07-28 revision: stateless, every request carries its protocol version in `_meta`. */
export const MODERN_VERSION = '2026-07-28';

/** A 2026-07-28 request: the per-request envelope in `params._meta` (basic/versioning). */
export const modernBody = (method: string, params: Record<string, unknown> = {}) =>
  rpcBody(method, {
    ...params,
    _meta: {
      'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'raw-modern-test', version: '1.0.0' },
    },
  });

/** The SEP-2243 headers a 2026-07-28 client sends with a request: what the body says, mirrored. */
export function modernHeaders(body: { method: string; params?: { name?: unknown; uri?: unknown } }): Record<string, string> {
  const name = body.params?.name ?? body.params?.uri;
  return { 'MCP-Protocol-Version': MODERN_VERSION, 'Mcp-Method': body.method, ...(typeof name === 'string' && { 'Mcp-Name': name }) };
}

/** POSTs a 2026-07-28 request with its headers; `headers` overrides (a value of null drops one). */
export function postModern(url: string, token: string | undefined, body: ReturnType<typeof modernBody>, headers: Record<string, string | null> = {}): Promise<Response> {
  const all: Record<string, string | null> = { ...MCP_HEADERS, ...modernHeaders(body), ...bearer(token), ...headers };
  return fetch(url, { method: 'POST', headers: Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== null)), body: JSON.stringify(body) });
}
