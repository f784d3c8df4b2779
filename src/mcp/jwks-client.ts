import http from 'node:http';
import https from 'node:https';
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, rootCertificates, type PeerCertificate } from 'node:tls';
import type { JSONWebKeySet } from 'jose';

/** A JWK Set larger than this is refused: ours holds at most 8 keys (keys.ts MAX_KEYS), a few KiB. */
const MAX_JWKS_BYTES = 64 * 1024;

export interface JwksClientOptions {
  /** The realm's jwks_uri, e.g. http://localhost:9100/jwks. */
  url: string;
  /**
   * Where to connect instead of `url`'s host: the AS's own listening socket when both servers run in
   * this process, so a dead tunnel in `url` cannot break it. `url`'s host is still sent as Host; over
   * HTTPS the peer must present `ca`, the certificate this process serves.
   */
  via?: string;
  timeoutMs: number;
  /** Extra PEM certificate to trust (the one from `certs`). */
  ca?: string;
}

/** GETs a JWK Set over HTTP(S), never from the AS's memory (mcp never imports oauth); throws a one-line Error why not. */
export class JwksClient {
  private readonly target: URL;
  private readonly host: string | undefined;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;

  /** Whether `close` destroys the pool: not for a client made by `at`, which shares its parent's. */
  private readonly ownsPool: boolean;

  constructor(
    private readonly opts: JwksClientOptions,
    shared?: { agent: http.Agent; request: typeof http.request },
  ) {
    this.target = new URL(opts.via ?? opts.url);
    this.host = opts.via ? new URL(opts.url).host : undefined;
    this.ownsPool = shared === undefined;
    if (shared) {
      ({ agent: this.agent, request: this.request } = shared);
      return;
    }
    const secure = this.target.protocol === 'https:';
    const pinned = opts.via && opts.ca ? new X509Certificate(opts.ca).fingerprint256 : undefined;
    const identity = pinned ? (name: string, cert: PeerCertificate) => (cert.fingerprint256 === pinned ? undefined : checkServerIdentity(name, cert)) : undefined;
    const pool = { keepAlive: true, maxSockets: 4, timeout: 4000 };
    this.agent = secure ? new https.Agent({ ...pool, ca: opts.ca ? [...rootCertificates, opts.ca] : undefined, ...(identity ? { checkServerIdentity: identity } : {}) }) : new http.Agent(pool);
    this.request = secure ? https.request : http.request;
  }

  get url(): string {
    return this.opts.url;
  }

  /** Another realm's JWKS on the same server, over the same connections: a realm ending leaves no pool behind. */
  at(url: string, via?: string): JwksClient {
    return new JwksClient({ ...this.opts, url, via }, { agent: this.agent, request: this.request });
  }

  fetch(): Promise<JSONWebKeySet> {
    const headers: http.OutgoingHttpHeaders = { Accept: 'application/jwk-set+json, application/json' };
    if (this.host) headers.Host = this.host;
    return new Promise((resolve, reject) => {
      const req = this.request(this.target, { method: 'GET', agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          size += d.length;
          if (size > MAX_JWKS_BYTES) return req.destroy(new Error(`the JWKS is larger than ${MAX_JWKS_BYTES} bytes`));
          chunks.push(d);
        });
        res.on('error', (err) => done(err));
        res.on('end', () => {
          if (res.statusCode !== 200) return done(new Error(`GET ${this.opts.url} answered ${res.statusCode}`));
          let json: unknown;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            return done(new Error(`GET ${this.opts.url} answered a body that is not JSON`));
          }
          const keys = (json as { keys?: unknown } | null)?.keys;
          if (!Array.isArray(keys) || !keys.every((k) => k !== null && typeof k === 'object')) return done(new Error(`GET ${this.opts.url} answered no "keys" array (RFC 7517 §5)`));
          done(undefined, json as JSONWebKeySet);
        });
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
      const done = (err: Error | undefined, set?: JSONWebKeySet) => {
        clearTimeout(timer);
        if (err) reject(new Error(err.message.startsWith('GET ') ? err.message : `GET ${this.opts.url} failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
        else resolve(set!);
      };
      req.on('error', (err) => done(err));
      req.end();
    });
  }

  close(): void {
    if (this.ownsPool) this.agent.destroy();
  }
}
