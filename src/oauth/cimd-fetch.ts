import { lookup } from 'node:dns/promises';
import type { ClientRequest } from 'node:http';
import { request } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { specialUse } from './cimd-address.js';

/** The CIMD draft's recommended size limit for a metadata document; reading stops past it. */
export const MAX_DOCUMENT_BYTES = 5 * 1024;

/** A fetch refused by one named rule; `message` is the error_description's tail. */
export class CimdRefusal extends Error {
  override name = 'CimdRefusal';
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

export interface FetchOptions {
  timeoutMs: number;
  /** CIMD_ALLOW_LOOPBACK: loopback addresses pass the SSRF guard (every other special-use address still fails). */
  allowLoopback: boolean;
  /** CIMD_CA_FILE's PEM, trusted besides the usual roots. */
  ca?: string;
  /** A fault's delay before the request is sent: the timeout still runs from the start. */
  delayMs?: number;
  /** A fault's padding: the body counts as this many bytes longer (whitespace, so still valid JSON). */
  extraBytes?: number;
}

/** What the rest of the checks need from an answer: its text and its caching headers. */
export interface FetchedDocument {
  body: string;
  cacheControl?: string;
  expires?: string;
  date?: string;
}

/**
 * GET of a client ID metadata document, guarded: its host is resolved once, every address it
 * resolves to is checked (the CIMD draft's "SSRF Attacks": no special-use address), and the request
 * connects only to the addresses that were checked (a lookup of our own on the request, so a second DNS
 * answer cannot swap in another host between the check and the connection). No redirect is followed,
 * at most MAX_DOCUMENT_BYTES are read, and one timer bounds everything from DNS to the last byte.
 */
export async function fetchDocument(url: URL, o: FetchOptions): Promise<FetchedDocument> {
  let req: ClientRequest | undefined;
  let settled = false;
  const timers: NodeJS.Timeout[] = [];
  const timeout = new Promise<never>((_, reject) => {
    timers.push(setTimeout(() => reject(new CimdRefusal('timeout', `no complete answer within ${o.timeoutMs} ms (CIMD_TIMEOUT_MS)`)), o.timeoutMs));
  });
  const run = async (): Promise<FetchedDocument> => {
    const targets = await resolveChecked(url.hostname.replace(/^\[|\]$/g, ''), o.allowLoopback);
    if (o.delayMs) await new Promise((r) => timers.push(setTimeout(r, o.delayMs)));
    if (settled) throw new CimdRefusal('timeout', 'gave up');
    return get(url, targets, o, (r) => (req = r));
  };
  try {
    return await Promise.race([run(), timeout]);
  } finally {
    settled = true;
    for (const t of timers) clearTimeout(t);
    req?.destroy();
  }
}

interface Target {
  address: string;
  family: 4 | 6;
}

/** Every address the host resolved to, each checked; the connection may use any of them, and no other. */
async function resolveChecked(host: string, allowLoopback: boolean): Promise<Target[]> {
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true, verbatim: true });
  } catch (err) {
    throw new CimdRefusal('unreachable', `its host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  // Every address, not only the first: a name with one public and one private address is refused.
  for (const a of addresses) {
    const kind = specialUse(a.address);
    if (kind === undefined || (kind === 'loopback' && allowLoopback)) continue;
    const hint = kind === 'loopback' ? '; CIMD_ALLOW_LOOPBACK=true allows loopback, for a test client serving its own document' : '';
    throw new CimdRefusal('ssrf', `its host ${host} resolves to ${a.address}, a ${kind} address: metadata documents are not fetched from special-use addresses (CIMD "SSRF Attacks", RFC 6890)${hint}`);
  }
  if (addresses.length === 0) throw new CimdRefusal('unreachable', `its host ${host} resolves to no address`);
  return addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

function get(url: URL, targets: Target[], o: FetchOptions, onRequest: (r: ClientRequest) => void): Promise<FetchedDocument> {
  return new Promise((resolve, reject) => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const pinned: LookupFunction = (_name, options, cb) => {
      // net.connect asks for every address when it races them (autoSelectFamily, RFC 8305): localhost
      // may resolve to ::1 first while the document is served on 127.0.0.1 only.
      if ((options as { all?: boolean }).all) (cb as unknown as (e: null, a: Target[]) => void)(null, targets);
      else cb(null, targets[0]!.address, targets[0]!.family);
    };
    const req = request(
      {
        host,
        port: url.port || 443,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { accept: 'application/json' },
        agent: false,
        lookup: pinned,
        ...(isIP(host) ? {} : { servername: host }),
        ...(o.ca ? { ca: [...rootCertificates, o.ca] } : {}),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const fail = (rule: string, message: string) => {
          res.destroy();
          reject(new CimdRefusal(rule, message));
        };
        if (status >= 300 && status < 400) {
          const to = res.headers.location ? ` to ${res.headers.location.slice(0, 200)}` : '';
          return fail('redirect', `answered ${status}${to}: redirects are not followed (the document must be at the client_id URL itself)`);
        }
        if (status !== 200) return fail('status', `answered HTTP ${status}; a metadata document is served with 200`);
        const type = res.headers['content-type'] ?? '';
        if (!/^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i.test(type)) {
          return fail('content-type', `answered Content-Type ${type ? JSON.stringify(type.slice(0, 100)) : '(none)'}; a metadata document is application/json`);
        }
        const tooBig = (n: number | string) => `is ${n} bytes; a metadata document is at most ${MAX_DOCUMENT_BYTES} bytes (5 KB)`;
        const declared = Number(res.headers['content-length']);
        if (declared > MAX_DOCUMENT_BYTES) return fail('size', tooBig(declared));
        const chunks: Buffer[] = [];
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > MAX_DOCUMENT_BYTES) fail('size', tooBig(`over ${MAX_DOCUMENT_BYTES}`));
          else chunks.push(chunk);
        });
        res.on('error', (err) => reject(new CimdRefusal('unreachable', `the answer broke off (${err.message})`)));
        res.on('end', () => {
          const total = received + (o.extraBytes ?? 0);
          if (total > MAX_DOCUMENT_BYTES) return reject(new CimdRefusal('size', tooBig(total)));
          const h = res.headers;
          resolve({ body: Buffer.concat(chunks).toString('utf8'), cacheControl: h['cache-control'], expires: h.expires, date: h.date });
        });
      },
    );
    onRequest(req);
    req.on('error', (err: NodeJS.ErrnoException) => {
      const tls = err.code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(err.code) ? '; CIMD_CA_FILE names a CA to trust besides the usual roots' : '';
      reject(new CimdRefusal('unreachable', `could not be fetched from ${targets.map((t) => t.address).join(' or ')} (${err.code ?? err.message})${tls}`));
    });
    req.end();
  });
}
