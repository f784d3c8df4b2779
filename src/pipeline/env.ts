import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import type { RequestEndpoint, RequestFields } from '../events.js';
import type { TokenFlaw } from '../faults.js';
import type { Realm } from '../realm.js';
import type { RealmUrls } from '../urls.js';

/**
 * What a handler tells the event log about its request: the endpoint it served and the typed facts
 * of that endpoint (the base app keeps only the fields the endpoint's event type has).
 */
export type Note = RequestFields & {
  endpoint?: RequestEndpoint;
  outcome?: string;
  reason?: string;
  fault?: string;
  /** Control-plane requests record their own event. */
  silent?: boolean;
};

/**
 * `generation`: the realm's generation when the request started (`Realm.generation`); a reset since
 * means it issues nothing. `urls`: the realm's URLs as this request's Host names them (a loopback
 * client gets the name it used when the base URLs were not configured; see `HostAwareUrls`).
 */
// Read them with c.get('realm'), never c.var.realm: hono's c.var builds a new object of every
// variable on each access (Object.fromEntries), 4% of /token's CPU and garbage besides.
// `tokenFlaw`: a token-flaw fault that struck this /token request (faults.ts), for the grant's issueTokens.
// `atResourceOrigin`: the MCP server's listener handed this request to the AS app (server/resource-origin.ts).
// `hangUp`: a caller in this process (the MCP server's introspection) handed it over without a socket; a drop fault calls it.
export type AppEnv = { Bindings: Partial<HttpBindings> & { atResourceOrigin?: boolean; hangUp?: () => void }; Variables: { note: Note; realm: Realm; generation: number; urls: RealmUrls; tokenFlaw?: TokenFlaw } };
export type Ctx = Context<AppEnv>;

/** Finds the realm a request addresses: the realm, or in words why none answers there (a JSON 404 says it). */
export type RealmLookup = (c: Ctx) => Realm | string;

/**
 * Realms under path prefixes of one server (`/r/<id>`): `route` takes a request's path as it came
 * and gives the path the server's routes see (the prefix taken out) and the realm it addresses.
 * One app serves every realm: no app, no routes, no middleware per realm.
 */
export interface RealmRouter {
  route(path: string): { path: string; realm: Realm | string };
}

/** How an app finds the realm of each request: one lookup, or a router over path prefixes. */
export type RealmResolver = RealmLookup | RealmRouter;
