import type { Hono } from 'hono';
import { z } from 'zod';
import { RotationRefused } from '../keys.js';
import type { AppEnv, Ctx } from '../pipeline/env.js';
import { SIGNING_ALGS } from '../policy.js';
import { bad, controlJson, readJson, record, zodMessage } from './answers.js';

/** The control paths of the signing keys, for the lists of valid paths and the 405s (the AS's only). */
export const KEY_PATHS = ['GET /control/keys', 'POST /control/keys/rotate'];

const Rotate = z
  .object({
    alg: z.enum(SIGNING_ALGS).optional(),
    publishAheadSeconds: z.number().int().min(0).max(86400).optional(),
    graceSeconds: z.number().int().min(0).max(10 * 365 * 86400).optional(),
  })
  .strict();
const EXAMPLE = '{"alg":"ES256","publishAheadSeconds":60,"graceSeconds":3600} (every member optional: the policy\'s jwtSigningAlg, keyPublishAheadSeconds, keyGraceSeconds)';

async function keysView(c: Ctx): Promise<Record<string, unknown>> {
  const realm = c.get('realm');
  const p = realm.policy;
  return {
    jwksUri: c.get('urls').endpoint('jwks'),
    now: new Date(realm.clock.now()).toISOString(),
    publishAheadSeconds: p.keyPublishAheadSeconds,
    graceSeconds: p.keyGraceSeconds,
    keys: await realm.keys.view(p.jwtSigningAlg),
  };
}

/**
 * GET /control/keys: each key's kid, state (next, signing, retiring) and times on the realm clock.
 * POST /control/keys/rotate: a new key in the JWKS now, signing `publishAheadSeconds` later; the key
 * it replaces stays published `graceSeconds` after that, then leaves (keys.ts).
 */
export function mountKeyRoutes(app: Hono<AppEnv>): void {
  app.get('/control/keys', async (c) => {
    c.get('note').silent = true;
    return controlJson(await keysView(c));
  });
  app.post('/control/keys/rotate', async (c) => {
    const body = await readJson(c);
    if (!body.ok) return bad(c, `${body.problem}; expected ${EXAMPLE}`);
    const parsed = Rotate.safeParse(body.value);
    if (!parsed.success) return bad(c, `${zodMessage(parsed.error)}; expected ${EXAMPLE}`);
    const realm = c.get('realm');
    const p = realm.policy;
    const { alg = p.jwtSigningAlg, publishAheadSeconds = p.keyPublishAheadSeconds, graceSeconds = p.keyGraceSeconds } = parsed.data;
    let kid: string;
    try {
      kid = await realm.keys.rotate(alg, publishAheadSeconds, graceSeconds);
    } catch (err) {
      if (err instanceof RotationRefused) return bad(c, err.message, err.status);
      throw err;
    }
    record(c, 'oauth', 'keys', '/control/keys/rotate', `rotated to ${kid}`, { reason: `${alg}, signs in ${publishAheadSeconds}s, old kept ${graceSeconds}s after` });
    return controlJson(await keysView(c));
  });
}
