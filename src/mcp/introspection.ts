import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { z } from 'zod';
import { INACTIVE_REASON_MEMBER, MAX_INACTIVE_REASON } from '../http/inactive-reason.js';
import { bodyTextOf } from '../http/oauth-error.js';

/**
 * The RFC 7662 §2.2 answer: `active` is required; the members this server reads have the types the
 * RFC gives them (a space-separated `scope` string, NumericDate `exp`/`iat`, `aud` a string or an
 * array of strings as in RFC 7519 §4.1.3); members it does not name are allowed and kept.
 */
const IntrospectionSchema = z.looseObject({
  active: z.boolean(),
  scope: z.string().optional(),
  client_id: z.string().optional(),
  sub: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  iss: z.string().optional(),
  exp: z.number().optional(),
  iat: z.number().optional(),
  token_type: z.string().optional(),
  // Our own authorization server's word on why (README: "Why a token was refused"). Another server's
  // member of that name that is not a string is ignored rather than failing the answer.
  [INACTIVE_REASON_MEMBER]: z
    .string()
    .transform((s) => (s.length > MAX_INACTIVE_REASON ? `${s.slice(0, MAX_INACTIVE_REASON)}...` : s))
    .optional()
    .catch(undefined),
});

export type Introspection = z.infer<typeof IntrospectionSchema>;

/** What is wrong with a 200 answer, named after its first offending member. */
function shapeProblem(err: z.ZodError): string {
  const issue = err.issues[0]!;
  const member = issue.path[0];
  // Not an object at all (an array, a string, null): it has no "active" either.
  if (member === undefined || member === 'active') return 'authorization server answered without a boolean "active"';
  const want =
    member === 'aud' ? 'a string or an array of strings' : member === 'exp' || member === 'iat' ? 'a number (NumericDate)' : 'a string';
  return `authorization server answered with a malformed "${String(member)}": it must be ${want} (RFC 7662 section 2.2)`;
}

/** The introspection endpoint could not give an answer; `cause` is shown to the client and the operator. */
export class IntrospectionFailed extends Error {
  override name = 'IntrospectionFailed';
  constructor(readonly reason: string) {
    super(`introspection failed: ${reason}`);
  }
}

export interface IntrospectionOptions {
  url: string;
  clientId: string;
  clientSecret: string;
  /** How long one call may take once it has a connection (waiting for a pooled one is not counted). */
  timeoutMs: number;
  /** Connections kept to the AS at most; more calls than this wait for a free one. */
  maxSockets?: number;
  /** Extra PEM certificate to trust (the self-signed one from `certs`), on top of the public roots. */
  ca?: string;
  /**
   * The authorization server's own app, when both servers run in this process: each call is handed
   * to it as the same RFC 7662 request (`url`, so the issuer's host as Host), answered by the same
   * handler with its faults and events, without a socket, so a dead tunnel in `url` cannot break
   * introspection either. Over loopback the round trip cost up to two thirds of a tool call's CPU
   * (50 connections; bench/README.md, the fifth session). Servers apart never have one.
   */
  local?: LocalFetch;
}

/**
 * A caller's side of a connection to an in-process app: a `drop` fault hangs up on it
 * (pipeline/strike.ts), which the caller sees as the dropped connection it stands for.
 */
export interface LocalConnection {
  hangUp(): void;
}

export type LocalFetch = (request: Request, connection: LocalConnection) => Response | Promise<Response>;

/**
 * Idle pooled sockets are closed after this long, or 1 s before the server's `Keep-Alive: timeout=N`
 * hint if that is sooner (Node's agent honours the hint only when a timeout is set). A socket the
 * server has just closed fails its next request with ECONNRESET, which would be a spurious 401.
 */
const IDLE_SOCKET_MS = 4000;

/**
 * The pool opens connections as calls need them, up to this many. At 64, 2,000 concurrent tool calls
 * queued long enough for valid tokens to get a spurious 401 (issue 10). Calls beyond it wait, and
 * their timeout starts only when they have a socket: it measures the call, not the queue.
 */
const MAX_SOCKETS = 256;

function causeOf(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: unknown[] };
  if (e?.errors?.length) return causeOf(e.errors[0]);
  if (e?.message) return e.message;
  return e?.code ?? String(err);
}

/**
 * The RFC 7662 request as the AS app reads it, without a WHATWG Request behind it. undici's
 * constructor parses the URL, copies the headers and makes an AbortSignal (a transferable one) on
 * every call, and given a string body it wraps it in a web stream the handler reads straight back:
 * together about 5% of a tool call. The AS app reads `url`, `method`, `headers`, and the body as
 * text (http/form.ts `readForm`), once: those are answered here. Its prototype chain reaches
 * Request's, as for every request @hono/node-server serves, so it is `instanceof Request`; every
 * other member throws, so a reader no one foresaw fails loudly, never with a wrong value.
 */
class LocalRequest {
  readonly #url: string;
  readonly #headers: Headers;
  #unread: string | undefined;

  constructor(url: string, headers: Headers, payload: string) {
    this.#url = url;
    this.#headers = headers;
    this.#unread = payload;
  }

  get url(): string {
    return this.#url;
  }

  get method(): string {
    return 'POST';
  }

  get headers(): Headers {
    return this.#headers;
  }

  text(): Promise<string> {
    const p = this.#unread;
    this.#unread = undefined;
    return p === undefined ? Promise.reject(new TypeError('Body is unusable: it has already been read')) : Promise.resolve(p);
  }
}
for (const member of ['body', 'bodyUsed', 'signal', 'cache', 'credentials', 'destination', 'integrity', 'keepalive', 'mode', 'redirect', 'referrer', 'referrerPolicy', 'duplex']) {
  Object.defineProperty(LocalRequest.prototype, member, {
    get() {
      throw new TypeError(`the in-process introspection request has no ${member}: it carries url, method, headers and text() only`);
    },
  });
}
for (const member of ['arrayBuffer', 'blob', 'bytes', 'clone', 'formData', 'json']) {
  Object.defineProperty(LocalRequest.prototype, member, {
    value() {
      throw new TypeError(`the in-process introspection request has no ${member}(): it carries url, method, headers and text() only`);
    },
  });
}
Object.setPrototypeOf(LocalRequest.prototype, Request.prototype);

/** The introspection answer, or in words what is wrong with it (IntrospectionFailed). */
function judgeAnswer(status: number, text: string): Introspection {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new IntrospectionFailed(`authorization server answered ${status} with a body that is not JSON`);
  }
  if (status !== 200) {
    const j = (json !== null && typeof json === 'object' ? json : {}) as { error?: unknown; error_description?: unknown };
    const why = typeof j.error === 'string' ? ` ${j.error}${typeof j.error_description === 'string' ? `: ${j.error_description}` : ''}` : '';
    throw new IntrospectionFailed(`authorization server answered ${status}${why}`);
  }
  const parsed = IntrospectionSchema.safeParse(json);
  if (!parsed.success) throw new IntrospectionFailed(shapeProblem(parsed.error));
  return parsed.data;
}

/**
 * RFC 7662 client over one pooled keep-alive connection set, or handing each call to the AS app in
 * this process (`local`). It keeps no token state: every call asks the authorization server, so a
 * revocation is seen on the very next request.
 */
export class IntrospectionClient {
  private readonly target: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly auth: string;

  /** Whether `close` destroys the pool: not for a client made by `at`, which shares its parent's. */
  private readonly ownsPool: boolean;

  constructor(
    private readonly opts: IntrospectionOptions,
    shared?: { agent: http.Agent; request: typeof http.request; auth: string },
  ) {
    this.target = new URL(opts.url);
    this.ownsPool = shared === undefined;
    if (shared) {
      ({ agent: this.agent, request: this.request, auth: this.auth } = shared);
      return;
    }
    const secure = this.target.protocol === 'https:';
    const pool = { keepAlive: true, maxSockets: opts.maxSockets ?? MAX_SOCKETS, timeout: IDLE_SOCKET_MS };
    this.agent = secure ? new https.Agent({ ...pool, ca: opts.ca ? [...rootCertificates, opts.ca] : undefined }) : new http.Agent(pool);
    this.request = secure ? https.request : http.request;
    const enc = (s: string) => encodeURIComponent(s);
    this.auth = `Basic ${Buffer.from(`${enc(opts.clientId)}:${enc(opts.clientSecret)}`).toString('base64')}`;
  }

  get url(): string {
    return this.target.href;
  }

  /**
   * The same credentials and connection pool for another endpoint of the same server: a realm's
   * (`/r/<id>/introspect`) on the authorization server's socket. Its `close` leaves the pool open.
   */
  at(url: string): IntrospectionClient {
    return new IntrospectionClient({ ...this.opts, url }, { agent: this.agent, request: this.request, auth: this.auth });
  }

  introspect(token: string): Promise<Introspection> {
    const body = `token=${encodeURIComponent(token)}&token_type_hint=access_token`;
    return this.opts.local ? this.introspectInProcess(this.opts.local, body) : this.introspectOverHttp(body);
  }

  /**
   * The in-process request's headers, one object per body length (tokens of one kind have one
   * length): the same for every call but Content-Length. Shared by calls in flight, which the AS app
   * only reads (no code of it sets a request header).
   */
  private readonly headersByLength = new Map<number, Headers>();

  /** What both ways send: the RS credentials (Basic, RFC 7662 §2.1) and the form. */
  private requestHeaders(length: number): Record<string, string> {
    return { Authorization: this.auth, 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(length), Accept: 'application/json' };
  }

  private localHeaders(length: number): Headers {
    let headers = this.headersByLength.get(length);
    if (headers === undefined) {
      // Host is what node's HTTP client would send: the issuer's, so the AS answers as itself.
      headers = new Headers({ ...this.requestHeaders(length), Host: this.target.host });
      // Bounded: a client presenting tokens of every length gets its headers built per call.
      if (this.headersByLength.size < 32) this.headersByLength.set(length, headers);
    }
    return headers;
  }

  /** The same request, handed to the AS app in this process; the timeout runs from the call. */
  private async introspectInProcess(local: LocalFetch, body: string): Promise<Introspection> {
    const request = new LocalRequest(this.target.href, this.localHeaders(Buffer.byteLength(body)), body) as unknown as Request;
    let hungUp = false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new IntrospectionFailed(`no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
    });
    const answer = (async () => local(request, { hangUp: () => (hungUp = true) }))();
    // Past the timeout nobody waits for the answer: its failure must not surface as an unhandled rejection.
    answer.catch(() => {});
    try {
      const res = await Promise.race([answer, timeout]);
      // What node's HTTP client reports when the server closes the connection instead of answering.
      if (hungUp) throw new IntrospectionFailed('socket hang up');
      // The AS's answers are whole strings (no stream that could stall once the answer is there).
      return judgeAnswer(res.status, bodyTextOf(res) ?? (await res.text()));
    } catch (err) {
      throw err instanceof IntrospectionFailed ? err : new IntrospectionFailed(causeOf(err));
    } finally {
      clearTimeout(timer);
    }
  }

  private introspectOverHttp(body: string): Promise<Introspection> {
    const headers = this.requestHeaders(Buffer.byteLength(body));
    return new Promise((resolve, reject) => {
      const req = this.request(
        this.target,
        {
          method: 'POST',
          agent: this.agent,
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('error', (err) => {
            clearTimeout(timer);
            reject(new IntrospectionFailed(causeOf(err)));
          });
          res.on('end', () => {
            clearTimeout(timer);
            try {
              resolve(judgeAnswer(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
            } catch (err) {
              reject(err);
            }
          });
        },
      );
      let timer: NodeJS.Timeout | undefined;
      // 'socket' fires once the agent hands this call a connection, new or pooled.
      req.once('socket', () => {
        timer = setTimeout(() => req.destroy(new Error(`no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(new IntrospectionFailed(causeOf(err)));
      });
      req.end(body);
    });
  }

  close(): void {
    if (this.ownsPool) this.agent.destroy();
  }
}
