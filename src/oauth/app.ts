import type { Hono } from 'hono';
import { corsForAll, corsForBrowsers } from '../http/cors.js';
import { createBaseApp } from '../pipeline/base-app.js';
import type { AppEnv, RealmResolver } from '../pipeline/env.js';
import type { RealmUrls } from '../urls.js';
import { mountAuthorize } from './authorize.js';
import { mountIntrospect } from './introspect.js';
import { mountJwks } from './jwks.js';
import { mountMetadata } from './metadata.js';
import { mountRegister } from './register.js';
import { mountRevoke } from './revoke.js';
import { mountToken } from './token.js';

/**
 * The authorization server as a Hono app; listening is a separate step. Each request finds its realm
 * through `resolveRealm`; `urls` fixes where the routes sit. `extra` mounts more routes (the control
 * plane) on the same app.
 */
export function buildAuthApp(urls: RealmUrls, resolveRealm: RealmResolver, extra?: (app: Hono<AppEnv>) => void): Hono<AppEnv> {
  const app = createBaseApp('oauth', resolveRealm);
  // A path issuer's endpoints live under its path, where the metadata, the RS and ControlClient look
  // for them; they stay at the root too (as /mcp does on the RS) for proxies that strip the prefix.
  // The well-known documents sit at the origin root either way (RFC 8414 §3.1).
  const mounts: Array<Hono<AppEnv>> = urls.issuerPath ? [app, app.basePath(urls.issuerPath)] : [app];
  // Browser-based clients call these cross-origin; /authorize is a navigation and needs no CORS.
  const corsOptions = { origin: '*' as const, exposeHeaders: ['WWW-Authenticate'], maxAge: 86400 };
  const open = corsForBrowsers<AppEnv>(corsOptions);
  app.use('/.well-known/*', corsForAll<AppEnv>(corsOptions));
  mountMetadata(app, urls);
  for (const at of mounts) {
    for (const p of ['/token', '/register', '/revoke', '/introspect', '/jwks']) at.use(p, open);
    mountAuthorize(at);
    mountToken(at);
    mountIntrospect(at);
    mountRevoke(at);
    mountRegister(at);
    mountJwks(at);
    extra?.(at);
  }
  return app;
}
