/**
 * eraOf decides the leg without the SDK's classification for the two shapes nearly every request
 * has (src/mcp/era.ts). It must route every body exactly as `classifyInboundRequest` does, the code
 * createMcpHandler routes with: here both answer a corpus of bodies and headers, odd ones included.
 */
import { classifyInboundRequest, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { eraOf, legOf } from '../../src/mcp/era.js';
import { MODERN_VERSION, modernBody } from '../support/mcp.js';

const KEY = 'io.modelcontextprotocol/protocolVersion';
const meta = (m: Record<string, unknown>) => ({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { message: 'x' }, _meta: m } });

const bodies: Record<string, unknown> = {
  'legacy tools/call': { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' } } },
  'legacy without params': { jsonrpc: '2.0', id: 'a', method: 'tools/list' },
  initialize: { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } } },
  'initialize with a modern claim': modernBody('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } }),
  'initialize with a malformed claim': { jsonrpc: '2.0', id: 0, method: 'initialize', params: { _meta: { [KEY]: 5 } } },
  'legacy notification': { jsonrpc: '2.0', method: 'notifications/initialized' },
  'notification with a claim': { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, _meta: { [KEY]: MODERN_VERSION } } },
  'notification with a pre-2026 claim': { jsonrpc: '2.0', method: 'notifications/cancelled', params: { _meta: { [KEY]: '2025-06-18' } } },
  'modern tools/call': modernBody('tools/call', { name: 'echo', arguments: { message: 'hi' } }),
  'modern server/discover': modernBody('server/discover'),
  'claim naming a pre-2026 version': meta({ [KEY]: '2025-06-18' }),
  'claim with a number': meta({ [KEY]: 20260728 }),
  'claim alone (envelope incomplete)': meta({ [KEY]: MODERN_VERSION }),
  'meta without the claim': meta({ progressToken: 3 }),
  'meta that is an array': { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: [KEY] } },
  'params that is an array': { jsonrpc: '2.0', id: 1, method: 'tools/list', params: [1] },
  'wrong jsonrpc version': { jsonrpc: '1.0', id: 1, method: 'tools/list' },
  'method not a string': { jsonrpc: '2.0', id: 1, method: 5 },
  'id not allowed type': { jsonrpc: '2.0', id: {}, method: 'tools/list' },
  'extra key (strict schema)': { jsonrpc: '2.0', id: 1, method: 'tools/list', extra: true },
  'no method': { jsonrpc: '2.0', id: 1 },
  'result response': { jsonrpc: '2.0', id: 1, result: {} },
  'error response': { jsonrpc: '2.0', id: 1, error: { code: -1, message: 'no' } },
  'request with a result key': { jsonrpc: '2.0', id: 1, method: 'tools/list', result: {} },
  'claim and an error key': { ...meta({ [KEY]: MODERN_VERSION }), error: { code: 1, message: 'm' } },
  'legacy batch': [{ jsonrpc: '2.0', id: 1, method: 'tools/list' }],
  'batch with a modern element': [modernBody('tools/list')],
  'empty batch': [],
  'a string': 'hello',
  'a number': 42,
  null: null,
  'an empty object': {},
};

const protocolHeaders: Array<string | undefined> = [undefined, ...SUPPORTED_PROTOCOL_VERSIONS, MODERN_VERSION, '2099-01-01', 'garbage', '1999-01-01', ''];
const methodHeaders: Array<Record<string, string>> = [{}, { 'mcp-method': 'tools/call', 'mcp-name': 'echo' }, { 'mcp-method': 'tools/list' }];

const sdkLeg = (body: unknown, header: string | undefined, headers: Headers) =>
  classifyInboundRequest({ httpMethod: 'POST', protocolVersionHeader: header, mcpMethodHeader: headers.get('mcp-method') ?? undefined, mcpNameHeader: headers.get('mcp-name') ?? undefined, body }).kind === 'legacy'
    ? 'legacy'
    : 'not-legacy';

describe("eraOf routes as the SDK's classifyInboundRequest does", () => {
  for (const [name, body] of Object.entries(bodies)) {
    it(name, () => {
      for (const header of protocolHeaders) {
        for (const extra of methodHeaders) {
          const headers = new Headers({ ...extra, ...(header !== undefined && { 'mcp-protocol-version': header }) });
          const got = headers.get('mcp-protocol-version') ?? undefined;
          expect(legOf(body, got, headers), `${name} with MCP-Protocol-Version ${String(header)} ${JSON.stringify(extra)}`).toBe(sdkLeg(body, got, headers));
        }
      }
    });
  }

  it('both legs occur in the corpus (the comparison is not vacuous)', () => {
    const legs = new Set(Object.values(bodies).map((b) => legOf(b, undefined, new Headers())));
    expect([...legs].sort()).toEqual(['legacy', 'not-legacy']);
    expect(eraOf('dual', bodies['modern tools/call'], new Headers()).era).toBe('modern');
    expect(eraOf('dual', bodies['legacy tools/call'], new Headers()).era).toBe('legacy');
  });
});
