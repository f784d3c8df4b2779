import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

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
  serve(listener: http.RequestListener): void;
  close(graceMs?: number): Promise<void>;
}

/** Binds `host:port`; `what` names the setting to change when the port is taken. */
export function bind(host: string, port: number, tls: Tls | undefined, what: string): Promise<Bound> {
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }) : http.createServer();
  // Clients in test suites open many short connections; keep-alive helps them and costs us nothing.
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new StartupError(`port ${port} on ${host} is already in use: stop the other process or set ${what}`));
      else if (err.code === 'EACCES') reject(new StartupError(`no permission to listen on ${host}:${port}: choose a port above 1023 with ${what}`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new StartupError(`cannot listen on host ${host}: it is not an address of this machine (HOST / --host)`));
      else reject(new StartupError(`cannot listen on ${host}:${port}: ${err.message}`));
    });
    server.listen(port, host, () => {
      const actual = (server.address() as AddressInfo).port;
      resolve({
        server,
        port: actual,
        serve: (listener) => server.on('request', listener),
        close: (graceMs = 3000) => closeGracefully(server, graceMs),
      });
    });
  });
}

/** Stops accepting, lets in-flight requests finish, then drops whatever is left after `graceMs`. */
function closeGracefully(server: http.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    // A keep-alive connection whose request finishes during shutdown turns idle: close it then too.
    const sweeper = setInterval(() => server.closeIdleConnections(), 25);
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweeper);
      resolve();
    });
    server.closeIdleConnections();
  });
}
