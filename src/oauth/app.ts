import type { Hono } from 'hono';
import { cors } from 'hono/cors';
import { corsForBrowsers, createBaseApp, type AppEnv } from '../http/kit.js';
import type { Realm } from '../realm.js';
import { mountAuthorize } from './authorize.js';
import { mountIntrospect } from './introspect.js';
import { mountMetadata } from './metadata.js';
import { mountRegister } from './register.js';
import { mountRevoke } from './revoke.js';
import { mountToken } from './token.js';

/**
 * The authorization server as a Hono app over one realm; listening is a separate step.
 * `extra` mounts more routes (the control plane) on the same app.
 */
export function buildAuthApp(realm: Realm, extra?: (app: Hono<AppEnv>) => void): Hono<AppEnv> {
  const app = createBaseApp(realm, 'oauth');
  // A path issuer's endpoints live under its path, where the metadata, the RS and ControlClient look
  // for them; they stay at the root too (as /mcp does on the RS) for proxies that strip the prefix.
  // The well-known documents sit at the origin root either way (RFC 8414 §3.1).
  const path = new URL(realm.issuer).pathname.replace(/\/$/, '');
  const mounts: Array<Hono<AppEnv>> = path ? [app, app.basePath(path)] : [app];
  // Browser-based clients call these cross-origin; /authorize is a navigation and needs no CORS.
  const corsOptions = { origin: '*', exposeHeaders: ['WWW-Authenticate'], maxAge: 86400 };
  const open = corsForBrowsers(corsOptions);
  app.use('/.well-known/*', cors(corsOptions));
  mountMetadata(app, realm);
  for (const at of mounts) {
    for (const p of ['/token', '/register', '/revoke', '/introspect']) at.use(p, open);
    mountAuthorize(at, realm);
    mountToken(at, realm);
    mountIntrospect(at, realm);
    mountRevoke(at, realm);
    mountRegister(at, realm);
    extra?.(at);
  }
  return app;
}
