import net from 'node:net';
import type https from 'node:https';

/** Addresses whose failed TLS handshake was already reported (bounded: the first 256 only). */
const MAX_REPORTED = 256;

const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');

/**
 * A plain-TCP listener in front of an HTTPS server. Every TLS connection starts with a handshake
 * record (0x16, RFC 8446 §5.1); anything else is plain HTTP sent to the wrong scheme, which would
 * otherwise get a TLS alert the client shows as an empty reply. It gets a plain-HTTP 400 naming the
 * https URL instead. The first byte is read and pushed back: TLSSocket consumes what a socket has
 * buffered before it wraps it.
 */
/** The listener, and a way to drop connections that have not said a first byte yet (at close). */
export interface TlsFront {
  listener: net.Server;
  dropWaiting(): void;
}

/** How long a new connection may stay silent before its first byte: node:https's handshake timeout only starts once it has one. */
const FIRST_BYTE_MS = 10_000;

export function tlsFront(server: https.Server, notice?: (line: string) => void): TlsFront {
  const waiting = new Set<net.Socket>();
  const reported = new Set<string>();
  // Connections whose handshake has not completed, by the client's address and port: the TLS socket
  // of a failed handshake has lost its address by the time it errors, the plain socket under it has not.
  const handshaking = new Map<string, string>();
  server.on('secureConnection', (t: { remoteAddress?: string; remotePort?: number }) => handshaking.delete(`${t.remoteAddress}:${t.remotePort}`));
  server.on('tlsClientError', (_err, socket) => socket.destroy());
  const failed = (who: string) => {
    if (!notice || reported.has(who) || reported.size >= MAX_REPORTED) return;
    reported.add(who);
    notice(`[tls] handshake with ${printable(who)} failed (once per address): does the client trust the certificate? Node clients: NODE_EXTRA_CA_CERTS=<the cert file>`);
  };
  const listener = net.createServer({ pauseOnConnect: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    waiting.add(socket);
    socket.once('close', () => waiting.delete(socket));
    socket.setTimeout(FIRST_BYTE_MS, () => socket.destroy());
    const who = socket.remoteAddress ?? 'unknown';
    const key = `${who}:${socket.remotePort}`;
    const first = () => {
      const chunk = socket.read(1) as Buffer | null;
      if (chunk === null) return void socket.once('readable', first);
      socket.unshift(chunk);
      waiting.delete(socket);
      socket.setTimeout(0);
      if (chunk[0] !== 0x16) return answerPlainHttp(socket);
      handshaking.set(key, who);
      socket.once('close', () => {
        if (handshaking.delete(key)) failed(who);
      });
      server.emit('connection', socket);
    };
    first();
  });
  return { listener, dropWaiting: () => waiting.forEach((s) => s.destroy()) };
}
/** A 400 in plain HTTP, in the standard error shape, naming the URL with the scheme this port speaks. */
function answerPlainHttp(socket: net.Socket): void {
  const head = ((socket.read() as Buffer | null) ?? Buffer.alloc(0)).subarray(0, 8192).toString('latin1');
  const [, target = '/'] = /^[A-Z]+ (\/[\x21-\x7e]*) HTTP\//.exec(head) ?? [];
  const [, host] = /\r\nhost:[ \t]*([A-Za-z0-9.\-[\]:]+)[ \t]*\r\n/i.exec(head) ?? [];
  const where = host ? `https://${host}${target}` : `https://<host>:${socket.localPort}${target}`;
  const body = JSON.stringify({ error: 'invalid_request', error_description: `this port speaks HTTPS, not plain HTTP: use ${where}` });
  socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`);
}
