import type { RealmRouter } from '../pipeline/env.js';
import { Realm } from '../realm.js';
import { splitSecondIssuerPath } from '../urls.js';

/**
 * The second issuer each realm's process serves under its issuer's path (`<issuer>/migrated`), while
 * the realm's policy prmIssuers names it (`several`, `migrated`): a realm of its own (clients, keys,
 * tokens, `iss`), as a provider that moved its authorization server has one (SEP-2352). It is made at
 * its first request with the realm's policy of that moment, and made anew after the realm's reset, so
 * a reset forgets its clients and tokens too. At most one per realm; none lives on after its realm
 * (kept by a WeakMap, no timer of its own). Its requests are events of the realm's own log.
 */
export class SecondIssuers {
  private readonly byRealm = new WeakMap<Realm, { generation: number; second: Realm }>();

  of(realm: Realm): Realm {
    const kept = this.byRealm.get(realm);
    if (kept && kept.generation === realm.generation) return kept.second;
    kept?.second.close();
    const config = { ...realm.config, oauthBaseUrl: realm.urls.secondIssuer };
    // Its own discovery names itself only: it neither points elsewhere nor answers at the resource's origin.
    const policy = { ...realm.policy, prmIssuers: 'self', asAtResourceOrigin: false } as const;
    const second = new Realm(config, undefined, undefined, { ownSweeper: false, policy });
    second.events.subscribe(({ id: _id, at: _at, ...event }) => void realm.events.record(event));
    this.byRealm.set(realm, { generation: realm.generation, second });
    return second;
  }

  /**
   * The AS's router, with `<issuer>/migrated/…` (and the well-known documents for it) sent to the
   * realm's second issuer while its policy names one; otherwise a JSON 404 that says why. Its control
   * plane is not served: the realm's own control calls are what set it up.
   */
  routing(inner: RealmRouter, basePath: string): RealmRouter {
    return {
      route: (path) => {
        const routed = inner.route(path);
        if (typeof routed.realm === 'string') return routed;
        const rest = splitSecondIssuerPath(routed.path, basePath);
        if (rest === undefined) return routed;
        const realm = routed.realm;
        if (realm.policy.prmIssuers === 'self') {
          return { path: rest, realm: `no issuer at ${path}: the second issuer (${realm.urls.secondIssuer}) is served while policy prmIssuers is "several" or "migrated"` };
        }
        if ([rest, rest.slice(basePath.length)].some((p) => p === '/control' || p.startsWith('/control/'))) return { path: rest, realm: `no control plane at ${path}: the second issuer follows its realm's (${realm.urls.issuer}/control)` };
        return { path: rest, realm: this.of(realm) };
      },
    };
  }
}
