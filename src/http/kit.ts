import type { HttpBindings } from '@hono/node-server';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { Endpoint } from '../control/faults.js';
import type { ServerEvent, ServerName } from '../events.js';
import type { Realm } from '../realm.js';
import { OAuthError, jsonResponse, oauthErrorResponse } from './oauth-error.js';

/** What a handler tells the event log about its request. */
export type Note = Partial<Pick<ServerEvent, 'outcome' | 'grant' | 'tool' | 'rpcMethod' | 'clientId' | 'fault' | 'detail'>> & {
  /** Control-plane requests record their own event. */
  silent?: boolean;
};

export type AppEnv = { Bindings: Partial<HttpBindings>; Variables: { note: Note } };
export type Ctx = Context<AppEnv>;

export const MAX_BODY_BYTES = 64 * 1024;

/**
 * A Hono app with what every endpoint of ours needs: one event per request, a 64 KiB body limit,
 * JSON 404s, and one place where an unexpected exception becomes `server_error` (never a stack trace).
 */
export function createBaseApp(realm: Realm, server: ServerName): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    const started = performance.now();
    const note: Note = {};
    c.set('note', note);
    await next();
    if (note.silent) return;
    const status = c.res.status;
    realm.events.record({
      server,
      type: 'request',
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round(performance.now() - started),
      outcome: note.outcome ?? (status < 400 ? 'ok' : `http_${status}`),
      grant: note.grant,
      tool: note.tool,
      rpcMethod: note.rpcMethod,
      clientId: note.clientId,
      fault: note.fault,
      detail: note.detail,
    });
  });
  app.use(
    limitBody(MAX_BODY_BYTES, (c) => {
      c.get('note').outcome = 'invalid_request';
      return oauthErrorResponse(new OAuthError('invalid_request', `request body exceeds ${MAX_BODY_BYTES / 1024} KiB`, 413));
    }),
  );
  app.notFound((c) => {
    c.get('note').outcome = 'not_found';
    return jsonResponse({ error: 'not_found', error_description: `no endpoint at ${c.req.method} ${c.req.path}` }, 404);
  });
  app.onError((err, c) => {
    const note = c.get('note');
    if (err instanceof OAuthError) {
      if (note) note.outcome = err.code;
      return oauthErrorResponse(err);
    }
    if (note) {
      note.outcome = 'server_error';
      note.detail = String(err);
    }
    console.error(`[${server}] unexpected error on ${c.req.method} ${c.req.path}:`, err);
    return oauthErrorResponse(new OAuthError('server_error', 'the server hit an unexpected condition; see its console', 500));
  });
  return app;
}

/**
 * hono's bodyLimit with a fast path in front. hono's first step, `c.req.raw.body`, makes
 * @hono/node-server build a full WHATWG Request (AbortController, a web stream over the socket)
 * for every request, and every later read of the body then goes through that stream. When a
 * Content-Length (and no Transfer-Encoding) is present the header alone decides, exactly as in
 * hono's own second step, and the body is later read straight from the socket. Everything else
 * (chunked bodies, no length at all) goes to hono's bodyLimit unchanged.
 */
function limitBody(maxSize: number, onError: (c: Ctx) => Response): MiddlewareHandler<AppEnv> {
  const counting = bodyLimit({ maxSize, onError });
  return async (c, next) => {
    const method = c.req.method;
    // A GET or HEAD request has no body (a WHATWG Request refuses one): hono's `!body` case.
    if (method === 'GET' || method === 'HEAD') return next();
    const headers = c.req.raw.headers;
    if (headers.has('content-length') && !headers.has('transfer-encoding')) {
      return parseInt(headers.get('content-length') || '0', 10) > maxSize ? onError(c) : next();
    }
    return counting(c, next);
  };
}

/** 405 with `Allow`, for every method an endpoint does not serve. */
export function methodNotAllowed(allow: string) {
  return (c: Ctx): Response => {
    c.get('note').outcome = 'method_not_allowed';
    return jsonResponse(
      { error: 'invalid_request', error_description: `method ${c.req.method} is not allowed here; use ${allow}` },
      405,
      { Allow: allow },
    );
  };
}

/**
 * Reads an `application/x-www-form-urlencoded` body. Repeated parameters are refused (RFC 6749 §3.1)
 * except those listed in `repeatable`; empty values count as absent.
 */
export async function readForm(c: Ctx, repeatable: readonly string[] = []): Promise<Form> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) {
    throw new OAuthError(
      'invalid_request',
      `content type must be application/x-www-form-urlencoded${type ? ` (got ${type.split(';')[0]})` : ''}`,
    );
  }
  return parseParams(new URLSearchParams(await c.req.text()), repeatable);
}

export type Form = { get(name: string): string | undefined; all(name: string): string[] };

export function parseParams(params: URLSearchParams, repeatable: readonly string[] = []): Form {
  const single = new Map<string, string>();
  const multi = new Map<string, string[]>();
  for (const [k, v] of params) {
    if (v === '') continue;
    if (repeatable.includes(k)) {
      const list = multi.get(k) ?? [];
      list.push(v);
      multi.set(k, list);
      continue;
    }
    if (single.has(k)) throw new OAuthError('invalid_request', `parameter ${k} must not be repeated (RFC 6749 §3.1)`);
    single.set(k, v);
  }
  return { get: (n) => single.get(n), all: (n) => multi.get(n) ?? (single.has(n) ? [single.get(n)!] : []) };
}

/** What a request does when faults strike it. */
export interface Struck {
  /** Replaces the normal answer. */
  response?: Response;
  /** Replaces the normal answer with an OAuth error, rendered the endpoint's way. */
  error?: OAuthError;
  omit: string[];
}

const NOTHING: Struck = { omit: [] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The one point where a handler consults the realm's faults. Latency is waited here; a dropped
 * connection is dropped here.
 */
export async function strike(c: Ctx, realm: Realm, endpoint: Endpoint, sub?: { grant?: string; rpcMethod?: string }): Promise<Struck> {
  const s = realm.faults.take(endpoint, sub);
  if (!s) return NOTHING;
  c.get('note').fault = s.ids.join(',');
  if (s.latencyMs > 0) await sleep(s.latencyMs);
  const e = s.answer?.effect;
  if (!e) return { omit: s.omit };
  if (e.kind === 'drop') {
    c.env?.incoming?.socket.destroy();
    c.get('note').outcome = 'dropped';
    return { response: new Response(null, { status: 444 }), omit: [] };
  }
  if (e.kind === 'status') {
    c.get('note').outcome = `fault_${e.status}`;
    const isText = typeof e.body === 'string';
    const body = e.body === undefined ? null : isText ? (e.body as string) : JSON.stringify(e.body);
    const headers = { 'Content-Type': isText ? 'text/plain; charset=utf-8' : 'application/json', ...e.headers };
    return { response: new Response(body, { status: e.status, headers }), omit: [] };
  }
  if (e.kind === 'oauth-error') {
    const description = e.description ?? `${e.error} injected by fault ${s.answer!.id}`;
    return { error: new OAuthError(e.error, description, e.status ?? 400), omit: s.omit };
  }
  return { omit: s.omit };
}

/** Removes the fields an `omit` fault names from a JSON object. */
export function omitFields<T extends object>(body: T, omit: string[]): T {
  if (omit.length === 0) return body;
  const copy = { ...body } as Record<string, unknown>;
  for (const f of omit) delete copy[f];
  return copy as T;
}

/**
 * CORS for browsers only. A browser always sends Origin on a cross-origin request (and on every
 * preflight); without one the headers serve nobody, and setting them before the handler makes hono
 * rebuild every response, the largest single cost on /token and /mcp in the profile. For answers
 * that caches may keep (the metadata documents) use plain `cors`, whose headers do not vary.
 */
export function corsForBrowsers(options: Parameters<typeof cors>[0]): MiddlewareHandler<AppEnv> {
  const withCors = cors(options);
  return (c, next) => (c.req.header('origin') === undefined ? next() : withCors(c, next));
}
