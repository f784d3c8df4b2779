import type { Hono } from 'hono';
import { z } from 'zod';
import type { ServerName } from '../events.js';
import type { AppEnv, Ctx } from '../pipeline/env.js';
import type { Realm } from '../realm.js';
import { RealmExists, RealmsFull, RealmSpecSchema, type RealmRegistry } from '../realms.js';
import { bad, controlJson, readJson, record, zodMessage } from './answers.js';

const EXAMPLE = '{"id":"suite-a","policy":{"rotateRefreshTokens":true},"ttlSeconds":600} (every member optional)';

/** The control paths of the realm registry, for the lists of valid paths and the 405s. */
export const REALM_PATHS = ['GET|POST /control/realms', 'DELETE /control/realms/<id>'];

/**
 * POST, GET /control/realms and DELETE /control/realms/<id>: on the default realm's control plane
 * of either server, behind the same origin rule and CONTROL_TOKEN as every control call (the
 * middleware mountControl puts before these routes). Realms do not nest.
 */
export function mountRealmRoutes(app: Hono<AppEnv>, server: ServerName, registry: RealmRegistry): void {
  const nested = (c: Ctx): Response | undefined => {
    if (c.get('realm') === registry.main) return undefined;
    c.get('note').outcome = 'not_found';
    const root = new URL(c.get('urls').issuer).origin;
    return controlJson({ error: 'not_found', error_description: `realms do not nest: create, list and end them at ${root}/control/realms` }, 404);
  };
  const counts = () => ({ count: registry.size, max: registry.max });

  app.post('/control/realms', async (c) => {
    const refused = nested(c);
    if (refused) return refused;
    const body = await readJson(c);
    if (!body.ok) return bad(c, `${body.problem}; expected ${EXAMPLE}`);
    const parsed = RealmSpecSchema.safeParse(body.value);
    if (!parsed.success) return bad(c, `${zodMessage(parsed.error)}; expected ${EXAMPLE}`);
    let created: { id: string; realm: Realm };
    try {
      created = await registry.create(parsed.data);
    } catch (err) {
      if (err instanceof RealmExists) return bad(c, err.message, 409);
      if (err instanceof RealmsFull) {
        c.get('note').outcome = 'temporarily_unavailable';
        return controlJson({ error: 'temporarily_unavailable', error_description: err.message }, 429);
      }
      if (err instanceof z.ZodError) return bad(c, `policy: ${zodMessage(err)}; GET /control/policy shows every value`);
      throw err;
    }
    const { id, realm } = created;
    record(c, server, 'realms', '/control/realms', `created ${id}`, {}, 201);
    // In the name the caller used (127.0.0.1, [::1]), as discovery would give it (HostAwareUrls).
    const view = realm.hosts.for(server, c.req.header('host'));
    return controlJson({ ...registry.info(id)!, issuer: view.issuer, mcpUrl: view.resource, controlUrl: `${view.issuer}/control`, ...counts() }, 201);
  });

  app.get('/control/realms', (c) => {
    const refused = nested(c);
    if (refused) return refused;
    c.get('note').silent = true;
    return controlJson({ realms: registry.list(), ...counts() });
  });

  app.delete('/control/realms/:id', (c) => {
    const refused = nested(c);
    if (refused) return refused;
    const id = c.req.param('id');
    if (!registry.delete(id)) {
      c.get('note').outcome = 'not_found';
      return controlJson({ error: 'not_found', error_description: `no realm ${JSON.stringify(id)}; GET /control/realms lists them` }, 404);
    }
    record(c, server, 'realms', `/control/realms/${id}`, `ended ${id}`);
    return controlJson({ ended: id, ...counts() });
  });
}
