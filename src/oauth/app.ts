import type { Hono } from 'hono';
import { cors } from 'hono/cors';
import { createBaseApp, type AppEnv } from '../http/kit.js';
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
  // Browser-based clients call these cross-origin; /authorize is a navigation and needs no CORS.
  const open = cors({ origin: '*', exposeHeaders: ['WWW-Authenticate'], maxAge: 86400 });
  for (const p of ['/.well-known/*', '/token', '/register', '/revoke', '/introspect']) app.use(p, open);
  mountMetadata(app, realm);
  mountAuthorize(app, realm);
  mountToken(app, realm);
  mountIntrospect(app, realm);
  mountRevoke(app, realm);
  mountRegister(app, realm);
  extra?.(app);
  return app;
}
