import {
  createMcpHandler,
  isJsonContentType,
  isJSONRPCRequest,
  legacyStatelessFallback,
  PerRequestHTTPServerTransport,
  SdkError,
  SdkErrorCode,
  SUPPORTED_PROTOCOL_VERSIONS,
  WebStandardStreamableHTTPServerTransport,
  type AuthInfo,
  type JSONRPCRequest,
  type McpServer,
} from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import { hasClaim, type Era } from './era.js';
import { createToolServer } from './tools.js';

const MAX_IDLE_SERVERS = 64;

/**
 * What Protocol._onclose, the SDK's documented transport-close hook (subclasses override it and call
 * the original), costs a stateless exchange, and how it is spared:
 * - It builds an SdkError, synchronously, to reject the handlers still pending. A stateless exchange
 *   has none, so the error's stack trace is never read: it is built without one (about 3% of a call).
 * - It aborts every request controller it still holds. The single-exchange transport (every modern
 *   exchange, and a lone legacy tools/call) closes itself in a microtask queued when it hands over the
 *   answer, before Protocol._onrequest drops the finished call's controller (it does once its send
 *   settles): every such exchange aborted its own finished call, an abort event and a Connection
 *   closed error each. While a controller is still held, the teardown runs on the next turn of the
 *   event loop, when a finished call's is gone and only a call still running is aborted (its client
 *   went away). 1.07x a modern tool call (A/B, bench/README.md). Held controllers are read from the
 *   SDK's map by its name; were it renamed, the teardown runs at once, as the SDK runs it.
 */
export function spareTeardown(server: McpServer): void {
  const protocol = server.server as unknown as { _onclose(): void; _requestHandlerAbortControllers?: Map<unknown, AbortController> };
  const original = protocol._onclose.bind(protocol);
  const teardown = () => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      original();
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
  protocol._onclose = () => {
    if ((protocol._requestHandlerAbortControllers?.size ?? 0) > 0) setImmediate(teardown);
    else teardown();
  };
}

/**
 * McpServer instances for one era. Building one (tool registry, schemas) costs more than the call it
 * serves, so each goes back here when its exchange closes. One pool per era: the SDK pins an instance
 * that served a 2026-07-28 request to that era (it answers later legacy calls with -32602).
 */
class ServerPool {
  private readonly idle: McpServer[] = [];
  private readonly pooled = new WeakSet<McpServer>();

  constructor(private readonly build: () => McpServer) {}

  /** Answered exchanges whose server is still to be closed (closeSoon). */
  private readonly closing: McpServer[] = [];

  /**
   * Closes a server whose exchange has been answered, on the next turn of the event loop: the answer
   * resolves before the SDK drops the call's AbortController (Protocol._onrequest does it once its
   * send settles), and a close before that aborts the finished call's controller, an abort event and
   * a Connection closed error per call. One timer for all the exchanges answered in one turn.
   */
  closeSoon(server: McpServer): void {
    this.closing.push(server);
    if (this.closing.length === 1) setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    for (const server of this.closing.splice(0)) void server.close().catch(() => {});
  };

  take(): McpServer {
    // A caller that never yields to the event loop (calls in a loop in process) would otherwise get a
    // new server for every call: one waiting to be closed is closed now, which returns it here at once.
    if (this.idle.length === 0 && this.closing.length > 0) void this.closing.shift()!.close().catch(() => {});
    const server = this.idle.pop();
    if (server) {
      this.pooled.delete(server);
      return server;
    }
    const fresh = this.build();
    spareTeardown(fresh);
    // The SDK detaches the transport before it calls onclose (Protocol._onclose), so an instance
    // is connectable again here. The modern entry wraps onclose per exchange and calls this one after.
    fresh.server.onclose = () => {
      if (this.pooled.has(fresh) || this.idle.length >= MAX_IDLE_SERVERS) return;
      this.pooled.add(fresh);
      this.idle.push(fresh);
    };
    return fresh;
  }
}

/**
 * The request, when it is the call the single-exchange transport answers exactly as the streamable
 * HTTP transport does: one JSON-RPC `tools/call` request (no batch, no initialize, no notification),
 * with no 2026-07-28 envelope claim (the legacy era's envelope check would answer it from the
 * dispatch ladder, with a 4xx status), the Accept and Content-Type that transport demands, a 2025-era
 * MCP-Protocol-Version or none (it answers any other 400), and no scope challenge from the SDK's
 * own tool scopes (which it answers 403). Anything else takes the streamable HTTP transport.
 */
function singleToolCall(request: Request, parsed: unknown, version: string | null, server: McpServer, authInfo: AuthInfo): JSONRPCRequest | undefined {
  // The method first: it spares the zod parse for every other request.
  if ((parsed as { method?: unknown } | null)?.method !== 'tools/call' || !isJSONRPCRequest(parsed) || hasClaim(parsed.params)) return undefined;
  const accept = request.headers.get('accept') ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream') || !isJsonContentType(request.headers.get('content-type'))) return undefined;
  if (version !== null && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return undefined;
  if (server.resolveScopeChallenge({ request: parsed, authInfo }) !== undefined) return undefined;
  return parsed;
}

/**
 * /mcp on the official SDK v2, after our bearer check. Modern (2026-07-28) requests go to its
 * `createMcpHandler` in strict mode (`legacy: 'reject'`), which validates the SEP-2243 headers and
 * answers a legacy request -32022 when only the modern era is served. Legacy requests go to a
 * stateless streamable HTTP transport of our own: JSON when the client accepts it (the SDK's own
 * legacy leg always streams SSE), SSE when it accepts only that.
 */
export class McpHandler {
  private readonly validator = new AjvJsonSchemaValidator();
  private readonly modernPool = new ServerPool(() => createToolServer(this.validator));
  private readonly legacyPool = new ServerPool(() => createToolServer(this.validator));
  private readonly modern = createMcpHandler(() => this.modernPool.take(), { legacy: 'reject' });
  private readonly legacySse = legacyStatelessFallback(() => this.legacyPool.take());

  /**
   * `era`: where the request goes (see eraOf). On the legacy leg a 2026-07-28 request meets a
   * pre-2026 server: the transport knows only the 2025 revisions (400 -32000 for its header).
   */
  handle(request: Request, parsedBody: unknown, authInfo: AuthInfo, era: Era): Promise<Response> {
    const options = parsedBody === undefined ? { authInfo } : { authInfo, parsedBody };
    if (era === 'modern') return this.modern.fetch(request, options);
    const accept = request.headers.get('accept') ?? '';
    if (!accept.includes('application/json') && accept.includes('text/event-stream')) {
      // The transport insists on both media types being listed; this client takes the stream, which it is sent.
      const headers = new Headers(request.headers);
      headers.set('accept', 'application/json, text/event-stream');
      const body = parsedBody === undefined ? request.body : null;
      return this.legacySse(new Request(request.url, { method: 'POST', headers, body, ...(body && { duplex: 'half' }) }), options);
    }
    return this.legacyJson(request, options);
  }

  private async legacyJson(request: Request, options: { authInfo: AuthInfo; parsedBody?: unknown }): Promise<Response> {
    const server = this.legacyPool.take();
    const version = request.headers.get('mcp-protocol-version');
    const call = singleToolCall(request, options.parsedBody, version, server, options.authInfo);
    if (call) return this.legacyPerRequest(server, call, version, request, options.authInfo);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    let res: Response;
    try {
      res = await transport.handleRequest(request, options);
    } catch (err) {
      await server.close();
      throw err;
    }
    // Closing detaches the transport, and onclose returns the server to its pool.
    this.legacyPool.closeSoon(server);
    return res;
  }

  /**
   * A lone 2025-era tools/call on the SDK's single-exchange transport, classified legacy (the exported
   * building block createMcpHandler serves the modern era with). It answers what the streamable HTTP
   * transport answers for such a call (the result or the tool's JSON-RPC error, 200, JSON), without
   * that transport's per-POST work for sessions, batches and initialize: a tool call 1.15x as fast.
   * The transport closes itself once the answer is out, which returns the server to its pool.
   */
  private async legacyPerRequest(server: McpServer, call: JSONRPCRequest, version: string | null, request: Request, authInfo: AuthInfo): Promise<Response> {
    const transport = new PerRequestHTTPServerTransport({ classification: { era: 'legacy', ...(version !== null && { revision: version }) }, responseMode: 'json' });
    await server.connect(transport);
    try {
      return await transport.handleMessage(call, { request, authInfo });
    } catch (err) {
      // The client went away before the answer (as createMcpHandler's own entry answers it).
      if (err instanceof SdkError && err.code === SdkErrorCode.ConnectionClosed) return new Response(null, { status: 499 });
      await server.close();
      throw err;
    }
  }

  close(): Promise<void> {
    return this.modern.close();
  }
}
