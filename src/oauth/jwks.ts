import type { Hono } from 'hono';
import { jsonResponse } from '../http/oauth-error.js';
import type { AppEnv, Ctx } from '../pipeline/env.js';
import { methodNotAllowed } from '../pipeline/method.js';
import { strikeAltering } from '../pipeline/strike.js';

/**
 * GET <issuer>/jwks: the realm's public signing keys as an RFC 7517 JWK Set, advertised as
 * `jwks_uri` (RFC 8414 §2). Next keys are in it before they sign and retiring ones after (keys.ts);
 * `no-cache` so a resource server revalidates rather than keep a set across a rotation.
 */
export function mountJwks(app: Hono<AppEnv>): void {
  app.get('/jwks', jwks);
  app.all('/jwks', methodNotAllowed('GET'));
}

async function jwks(c: Ctx): Promise<Response> {
  c.get('note').endpoint = 'jwks';
  const { alter } = await strikeAltering(c, 'jwks');
  const realm = c.get('realm');
  const set = await realm.keys.jwks(realm.policy.jwtSigningAlg, alter?.kind === 'stale-jwks');
  return jsonResponse(set, 200, { 'Content-Type': 'application/jwk-set+json', 'Cache-Control': 'no-cache' });
}
