import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { getRequestListener, RequestError } from '@hono/node-server';
import { NO_STORE, jsonResponse } from './oauth-error.js';
import { tlsFront } from './tls-front.js';

export class StartupError extends Error {
  override name = 'StartupError';
}

export interface Tls {
  cert: string;
  key: string;
}

/** A bound, not yet serving, HTTP(S) server: the handler is attached once the URLs are known. */
export interface Bound {
  server: http.Server;
  port: number;
  /** Where it listens (behind the TLS front, `server` itself does not). */
  address: AddressInfo;
  serve(listener: http.RequestListener): void;
  close(graceMs?: number): Promise<void>;
}

/**
 * Binds `host:port`; `what` names the setting to change when the port is taken. With TLS, a plain
 * listener in front answers plain HTTP itself (`tls-front.ts`); `notice` gets its operator lines.
 */
export function bind(host: string, port: number, tls: Tls | undefined, what: string, notice?: (line: string) => void): Promise<Bound> {
  // Host is checked by the request listener (which answers in our JSON shape), not by node:http's empty 400.
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key, requireHostHeader: false }) : http.createServer({ requireHostHeader: false });
  server.on('clientError', answerClientError);
  // Clients in test suites open many short connections; keep-alive helps them and costs us nothing.
  server.keepAliveTimeout = 5000;
  const front = tls ? tlsFront(server as https.Server, notice) : undefined;
  const listener: NetServer = front?.listener ?? server;
  return new Promise((resolve, reject) => {
    listener.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new StartupError(`port ${port} on ${host} is already in use: stop the other process or set ${what}`));
      else if (err.code === 'EACCES') reject(new StartupError(`no permission to listen on ${host}:${port}: choose a port above 1023 with ${what}`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new StartupError(`cannot listen on host ${host}: it is not an address of this machine (HOST / --host)`));
      else reject(new StartupError(`cannot listen on ${host}:${port}: ${err.message}`));
    });
    listener.listen(port, host, () => {
      // node:http tracks its connections (idle ones, timeouts) from 'listening' on; behind the front it never listens itself.
      if (listener !== server) server.emit('listening');
      const address = listener.address() as AddressInfo;
      resolve({
        server,
        port: address.port,
        address,
        serve: (handler) => server.on('request', handler),
        close: (graceMs = 3000) => {
          const closed = closeGracefully(listener, server, graceMs);
          // Connections still silent are no request in flight: nothing to let finish.
          front?.dropWaiting();
          return closed;
        },
      });
    });
  });
}

/**
 * Stops accepting, lets in-flight requests finish, then drops whatever is left after `graceMs`.
 * `listener` accepts the connections (the server itself, or the TLS front), `server` speaks HTTP on them.
 */
function closeGracefully(listener: NetServer, server: http.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!listener.listening) return resolve();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    // A keep-alive connection whose request finishes during shutdown turns idle: close it then too.
    const sweeper = setInterval(() => server.closeIdleConnections(), 25);
    listener.close(() => {
      clearTimeout(timer);
      clearInterval(sweeper);
      resolve();
    });
    // Behind the front, this stops node:http's connection tracking (and closes idle ones) too.
    if (listener !== server) server.close();
    server.closeIdleConnections();
  });
}

const invalidRequest = (description: string) => JSON.stringify({ error: 'invalid_request', error_description: description });

/**
 * A Fetch handler as a node:http listener. A request that cannot become a Fetch Request (no Host in
 * HTTP/1.0 or 1.1, a Host that is not a host, a bad target) gets the standard error shape
 * (RFC 6749 §5.2), not @hono/node-server's empty 400.
 */
export function requestListener(fetch: (req: Request) => Response | Promise<Response>): http.RequestListener {
  return getRequestListener(fetch, {
    errorHandler: (err) => {
      if (err instanceof RequestError) {
        const why = /host/i.test(err.message) ? `${err.message}: HTTP requests must name a valid host (RFC 9112 §3.2)` : err.message;
        return jsonResponse({ error: 'invalid_request', error_description: why }, 400, NO_STORE);
      }
      return jsonResponse({ error: 'server_error', error_description: 'the request could not be handled' }, 500, NO_STORE);
    },
  });
}

/** What node:http could not parse (before any listener runs): the same JSON shape, then the connection closes. */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection, or one where an answer has already begun, cannot take another.
  const pending = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || pending?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, reason, body] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', invalidRequest('the request headers are too large')]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', invalidRequest('the request did not arrive in time')]
        : [400, 'Bad Request', invalidRequest(`the request is not valid HTTP/1.1 (${err.code ?? 'parse error'}: ${err.message.replace(/[^\x20-\x7e]/g, '?')})`)];
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}
