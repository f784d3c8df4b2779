import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCerts } from '../../src/certs.js';

/** What the document server answers at one path: a status, headers and a body (an object is sent as JSON). */
export interface DocumentAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Never answer (the request hangs until the client gives up). */
  hang?: boolean;
  /** Answer once this settles: lets a test hold a fetch in flight. */
  hold?: Promise<void>;
}

/**
 * Where test clients keep their client ID metadata documents: an HTTPS server on 127.0.0.1, port 0,
 * with the certificate `certs` generates (the authorization server trusts it through CIMD_CA_FILE).
 * Each path answers what `serve` set, and counts how often it was fetched.
 */
export interface DocumentServer {
  /** https://127.0.0.1:<port> */
  origin: string;
  /** The generated certificate, a CA for CIMD_CA_FILE. */
  caFile: string;
  /** The URL of `path`, the client_id naming it. */
  url(path: string): string;
  serve(path: string, answer: DocumentAnswer): string;
  /** A well-formed document at `path` whose client_id is its URL; `fields` add or override. */
  serveDocument(path: string, fields?: Record<string, unknown>, headers?: Record<string, string>, hold?: Promise<void>): string;
  hits(path: string): number;
  close(): Promise<void>;
}

export async function startDocumentServer(redirectUri: string): Promise<DocumentServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mots-cimd-'));
  const certs = await writeCerts(dir);
  const answers = new Map<string, DocumentAnswer>();
  const counts = new Map<string, number>();
  const server: Server = createServer({ cert: readFileSync(certs.cert), key: readFileSync(certs.key) }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const a = answers.get(path);
    if (a?.hang) return;
    if (!a) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no document here');
      return;
    }
    if (a.hold) {
      void a.hold.then(() => send(res, a));
      return;
    }
    send(res, a);
  });
  const send = (res: import('node:http').ServerResponse, a: DocumentAnswer) => {
    const text = typeof a.body === 'string' ? a.body : a.body === undefined ? '' : JSON.stringify(a.body);
    res.writeHead(a.status ?? 200, { 'Content-Type': 'application/json', ...a.headers }).end(text);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = (path: string) => `${origin}${path}`;
  return {
    origin,
    caFile: certs.cert,
    url,
    serve(path, answer) {
      answers.set(path, answer);
      return url(path);
    },
    serveDocument(path, fields = {}, headers = {}, hold) {
      const body = { client_id: url(path), client_name: 'cimd test client', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', ...fields };
      answers.set(path, { body, headers, hold });
      return url(path);
    },
    hits: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
