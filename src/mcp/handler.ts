import { createMcpHandler, legacyStatelessFallback, WebStandardStreamableHTTPServerTransport, type AuthInfo, type McpServer } from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import type { Era } from './era.js';
import { createToolServer } from './tools.js';

const MAX_IDLE_SERVERS = 64;

/**
 * The SDK builds an SdkError on every close (Protocol._onclose), synchronously, to reject the
 * handlers still pending. A stateless exchange has none, so the error's stack trace is never read,
 * and capturing it cost about 3% of a tool call in either era. `_onclose` is the SDK's documented
 * transport-close hook (subclasses override it and call the original); here it is run without traces.
 */
function spareCloseTrace(server: McpServer): void {
  const protocol = server.server as unknown as { _onclose(): void };
  const original = protocol._onclose.bind(protocol);
  protocol._onclose = () => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      original();
    } finally {
      Error.stackTraceLimit = limit;
    }
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

  take(): McpServer {
    const server = this.idle.pop();
    if (server) {
      this.pooled.delete(server);
      return server;
    }
    const fresh = this.build();
    spareCloseTrace(fresh);
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
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    let res: Response;
    try {
      res = await transport.handleRequest(request, options);
    } catch (err) {
      await server.close();
      throw err;
    }
    // Closing detaches the transport, and onclose returns the server to its pool. It waits for the
    // next turn of the event loop: the answer is resolved before the SDK has dropped the call's
    // AbortController (Protocol._onrequest does it once its send settles), and a close before that
    // aborts the finished call's controller, dispatching an abort event for nothing.
    setImmediate(() => void server.close().catch(() => {}));
    return res;
  }

  close(): Promise<void> {
    return this.modern.close();
  }
}
