import type { Hono } from 'hono';
import { z } from 'zod';
import type { ServerName } from '../events.js';
import { FaultsFull } from '../faults.js';
import type { AppEnv } from '../pipeline/env.js';
import { PERSONA_NAMES, type PersonaName } from '../profiles/personas.js';
import { SPEC_VERSIONS, type SpecVersion } from '../profiles/spec-presets.js';
import { bad, controlJson, readJson, record, zodMessage } from './answers.js';
import { didYouMean } from './did-you-mean.js';

/** The control paths of the profile, for the lists of valid paths and the 405s (both servers). */
export const PROFILE_PATHS = ['GET|POST /control/profile'];

// Names are checked by hand after the shape, so an unknown one gets "did you mean".
const Body = z
  .object({ spec: z.string().max(64).optional(), persona: z.string().max(64).nullable().optional() })
  .strict()
  .refine((b) => b.spec !== undefined || b.persona !== undefined, 'name a spec, a persona (null for none), or both');
const EXAMPLE = `{"spec":"2025-06-18"}, {"persona":"slack"}, {"persona":null} or both (spec: ${SPEC_VERSIONS.join(', ')}; persona: ${PERSONA_NAMES.join(', ')})`;

/** GET and POST /control/profile: the spec preset and persona in force, and which layer set each policy value. */
export function mountProfileRoutes(app: Hono<AppEnv>, server: ServerName): void {
  app.get('/control/profile', (c) => {
    c.get('note').silent = true;
    return controlJson(c.get('realm').profileView());
  });
  app.post('/control/profile', async (c) => {
    const body = await readJson(c);
    if (!body.ok) return bad(c, `${body.problem}; expected ${EXAMPLE}`);
    const parsed = Body.safeParse(body.value);
    if (!parsed.success) return bad(c, `${zodMessage(parsed.error)}; expected ${EXAMPLE}`);
    const { spec, persona } = parsed.data;
    if (spec !== undefined && !(SPEC_VERSIONS as readonly string[]).includes(spec)) {
      return bad(c, `spec: no preset ${JSON.stringify(spec)}${didYouMean(spec, SPEC_VERSIONS)}; the presets are ${SPEC_VERSIONS.join(', ')}`);
    }
    if (persona != null && !(PERSONA_NAMES as readonly string[]).includes(persona)) {
      return bad(c, `persona: no persona ${JSON.stringify(persona)}${didYouMean(persona, PERSONA_NAMES)}; the personas are ${PERSONA_NAMES.join(', ')} (null for none)`);
    }
    const realm = c.get('realm');
    try {
      realm.setProfile({ ...(spec !== undefined && { spec: spec as SpecVersion }), ...(persona !== undefined && { persona: persona as PersonaName | null }) });
    } catch (err) {
      if (err instanceof z.ZodError) return bad(c, `the profile does not fit this realm's startup policy (${zodMessage(err)})`);
      if (err instanceof FaultsFull) return bad(c, `the persona's standing faults do not fit: ${err.message}`, 429);
      throw err;
    }
    const p = realm.profile;
    record(c, server, 'profile', '/control/profile', `spec ${p.spec}, persona ${p.persona ?? 'none'}`);
    return controlJson(realm.profileView());
  });
}
