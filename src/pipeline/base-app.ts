import { Hono } from 'hono';
import { getPath } from 'hono/utils/url';
import { FACTS, type EventInput, type ServerName } from '../events.js';
import { limitBody } from '../http/body-limit.js';
import { OAuthError, jsonResponse, oauthErrorResponse } from '../http/oauth-error.js';
import type { Realm } from '../realm.js';
import type { AppEnv, Ctx, Note, RealmLookup, RealmResolver, RealmRouter } from './env.js';
import { FaultAnswer } from './strike.js';

export const MAX_BODY_BYTES = 64 * 1024;

/** Where hono's getPath hook leaves what it routed, for the first middleware (createBaseApp). */
const ROUTED = Symbol('routed');
type Routed = { [ROUTED]?: { request: Request; path: string; realm: Realm | string } };
const MAX_REASON = 300;

/** What the getPath hook routed for this request; worked out again for a caller that gave no bindings (`app.request`). */
function routedOf(c: Ctx, router: RealmRouter): { path: string; realm: Realm | string } {
  const kept = (c.env as Routed | undefined)?.[ROUTED];
  if (kept?.request === c.req.raw) return kept;
  const path = getPath(c.req.raw);
  return { path, realm: router.route(path).realm };
}

/** The event for one answered request: the endpoint's own facts, nothing else. */
function requestEvent(server: ServerName, c: Ctx, path: string, note: Note, ms: number): EventInput {
  const status = c.res.status;
  const endpoint = note.endpoint ?? 'other';
  const event: Record<string, unknown> = {
    server,
    type: 'request',
    endpoint,
    method: c.req.method,
    path,
    status,
    ms,
    outcome: note.outcome ?? (status < 400 ? 'ok' : `http_${status}`),
  };
  // Bounded: a description may quote what a client sent.
  if (note.reason !== undefined) event.reason = note.reason.length > MAX_REASON ? `${note.reason.slice(0, MAX_REASON)}…` : note.reason;
  if (note.fault !== undefined) event.fault = note.fault;
  for (const k of FACTS[endpoint]) if (note[k] !== undefined) event[k] = note[k];
  return event as EventInput;
}

/**
 * A Hono app with what every endpoint of ours needs: the realm found per request, one event per
 * request, a 64 KiB body limit, JSON 404s, and one place where an unexpected exception becomes
 * `server_error` (never a stack trace). Given a RealmRouter, the routes see each path without its
 * realm prefix (hono's `getPath`), and events keep the path as it came.
 */
export function createBaseApp(server: ServerName, realms: RealmResolver): Hono<AppEnv> {
  const router = typeof realms === 'function' ? undefined : realms;
  // Hono asks for the path once per request, before any middleware: the realm is found there, once,
  // and handed to the middleware below with the path as it came.
  // Kept on the request's own bindings (a fresh object per request from @hono/node-server, and from
  // every caller in process), checked against the request: a WeakMap churned 1–2 KB a request.
  const app = router
    ? new Hono<AppEnv>({
        getPath: (request, options) => {
          const path = getPath(request);
          const r = router.route(path);
          const env = options?.env as Routed | undefined;
          if (env !== null && typeof env === 'object') env[ROUTED] = { request, path, realm: r.realm };
          return r.path;
        },
      })
    : new Hono<AppEnv>();
  app.use(async (c, next) => {
    const started = performance.now();
    const note: Note = {};
    c.set('note', note);
    const found = router ? routedOf(c, router) : undefined;
    const path = found ? found.path : c.req.path;
    const realm = found ? found.realm : (realms as RealmLookup)(c);
    if (typeof realm === 'string') {
      return jsonResponse({ error: 'not_found', error_description: realm }, 404);
    }
    c.set('realm', realm);
    c.set('generation', realm.generation);
    // At the MCP server's origin (asAtResourceOrigin), the AS names itself there (MCP 2025-03-26).
    c.set('urls', c.env?.atResourceOrigin ? realm.hosts.for('mcp', c.req.header('host')).atResourceOrigin : realm.hosts.for(server, c.req.header('host')));
    await next();
    if (!note.silent) realm.events.record(requestEvent(server, c, path, note, Math.round(performance.now() - started)));
  });
  app.use(
    limitBody<AppEnv>(MAX_BODY_BYTES, (c) => {
      c.get('note').outcome = 'invalid_request';
      return oauthErrorResponse(new OAuthError('invalid_request', `request body exceeds ${MAX_BODY_BYTES / 1024} KiB`, 413));
    }),
  );
  app.notFound((c) => {
    c.get('note').outcome = 'not_found';
    // The path as it came (a realm's with its /r/<id>), not the one the routes saw.
    return jsonResponse({ error: 'not_found', error_description: `no endpoint at ${c.req.method} ${getPath(c.req.raw)}` }, 404);
  });
  app.onError((err, c) => {
    const note = c.get('note');
    if (err instanceof FaultAnswer) return err.response;
    if (err instanceof OAuthError) {
      if (note) {
        note.outcome = err.code;
        note.reason = err.description;
      }
      return oauthErrorResponse(err);
    }
    if (note) {
      note.outcome = 'server_error';
      note.reason = String(err);
    }
    console.error(`[${server}] unexpected error on ${c.req.method} ${c.req.path}:`, err);
    return oauthErrorResponse(new OAuthError('server_error', 'the server hit an unexpected condition; see its console', 500));
  });
  return app;
}
