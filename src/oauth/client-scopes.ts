import { authorizationScopes, grantedByDefault, type Policy } from '../policy.js';
import type { ClientRecord } from '../store/types.js';
import { parseScope } from './params.js';

/**
 * The scope a client gets for a `scope` parameter (or none), the same at /authorize and for the
 * client_credentials grant. A client that registered a scope may ask for that much at most, and gets
 * it by default. The request-only scopes (mcp:admin) it may always ask for: the SDK registers with its
 * first challenge's scope (SEP-835) and never registers again, so no step-up could succeed otherwise.
 * A client that asks for nothing never gets them; offline_access may be asked for (SEP-2207) but,
 * like the request-only scopes, is never part of the default.
 */
export function grantedScope(raw: string | undefined, client: ClientRecord, policy: Readonly<Policy>): string[] {
  const registered = typeof client.metadata.scope === 'string' ? client.metadata.scope.split(' ').filter(Boolean) : undefined;
  const requestOnly = policy.requestOnlyScopes.filter((s) => policy.scopes.includes(s));
  const allowed = registered ? [...new Set([...registered, ...requestOnly])] : authorizationScopes(policy);
  return (
    parseScope(raw, allowed, registered ? 'this client registered' : 'this server knows') ??
    grantedByDefault({ scopes: registered ? [...allowed] : [...policy.scopes], requestOnlyScopes: policy.requestOnlyScopes })
  );
}
