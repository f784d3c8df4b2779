import type { RealmRouter } from '../pipeline/env.js';
import type { RealmRegistry } from '../realms.js';
import { splitRealmPath } from '../urls.js';

/**
 * One server's routing of `/r/<id>` (under its base URL's path, if any) to the registry's realms:
 * every other path is the default realm's, exactly as without realms.
 */
export function realmRouter(registry: RealmRegistry, basePath: string): RealmRouter {
  return {
    route(path) {
      const split = splitRealmPath(path, basePath);
      if (split === undefined) return { path, realm: registry.main };
      const realm = registry.get(split.id) ?? `no realm ${JSON.stringify(split.id)} at ${path}: it never existed, was deleted, or ended after its ttlSeconds without a request; POST /control/realms creates one, GET /control/realms lists them`;
      return { path: split.path, realm };
    },
  };
}
