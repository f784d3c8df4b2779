import { z } from 'zod';
import type { FaultSpec } from '../faults.js';
import { PolicySchema, type Policy, type PolicyPatch } from '../policy.js';
import { PERSONA_NAMES, PERSONAS, type Persona, type PersonaName } from './personas.js';
import { NEWEST_SPEC, presetPatch, SPEC_VERSIONS, type SpecVersion } from './spec-presets.js';

/** Which spec preset and which persona (or none) a realm runs under. */
export interface Profile {
  spec: SpecVersion;
  persona: PersonaName | null;
}

export const ProfileSchema = z.object({ spec: z.enum(SPEC_VERSIONS), persona: z.enum(PERSONA_NAMES).nullable() }).strict();

export const DEFAULT_PROFILE: Profile = { spec: NEWEST_SPEC, persona: null };

/**
 * Which layer set a policy value: the startup defaults (env, config), the preset, the persona, the
 * policy a created realm was asked for (`realm`), or the control plane.
 */
export type Source = 'default' | `spec:${SpecVersion}` | `persona:${PersonaName}` | 'realm' | 'control';

/** GET /control/profile: the active profile, the policy in force, and which layer set each value. */
export interface ProfileView extends Profile {
  policy: Policy;
  sources: Record<keyof Policy, Source>;
  /** The ids of the persona's standing faults still in the fault list. */
  faults: string[];
}

export const personaOf = (name: PersonaName | null): Persona | undefined => (name === null ? undefined : PERSONAS[name]);

/** The persona's standing faults: each until removed (no `times`), under the persona's own ids. */
export function standingFaults(name: PersonaName | null): FaultSpec[] {
  return (personaOf(name)?.faults ?? []).map((f) => structuredClone(f) as FaultSpec);
}

/** The policy keys a profile sets (its preset's and its persona's). */
export function profileKeys(p: Profile): Set<keyof Policy> {
  return new Set([...Object.keys(presetPatch(p.spec)), ...Object.keys(personaOf(p.persona)?.policy ?? {})] as Array<keyof Policy>);
}

/**
 * The layering, lowest first: startup defaults → spec preset → persona → a created realm's policy →
 * control-plane changes. A realm's creation policy sits above its profile: it is what that realm was
 * explicitly asked for, under whichever preset the server runs (and stays across profile switches).
 * Each layer is a patch over the one below; the whole is validated once (a ZodError when refused).
 */
export function layered(base: Readonly<Policy>, p: Profile, control: PolicyPatch, creation: PolicyPatch = {}): Policy {
  return PolicySchema.parse({ ...base, ...presetPatch(p.spec), ...(personaOf(p.persona)?.policy ?? {}), ...creation, ...control });
}

/** For every policy key, the layer its value comes from (the highest that sets it). */
export function sources(base: Readonly<Policy>, p: Profile, control: PolicyPatch, creation: PolicyPatch = {}): Record<keyof Policy, Source> {
  const spec = presetPatch(p.spec);
  const persona = personaOf(p.persona)?.policy ?? {};
  const out = {} as Record<keyof Policy, Source>;
  for (const k of Object.keys(base) as Array<keyof Policy>) {
    out[k] = k in control ? 'control' : k in creation ? 'realm' : k in persona ? `persona:${p.persona!}` : k in spec ? `spec:${p.spec}` : 'default';
  }
  return out;
}

/**
 * Switching to `next` replaces the profile layers; a control-plane change to a key the new profile
 * sets is dropped (the profile asked for is what the user sees), one to any other key stays on top.
 */
export function controlAfterSwitch(control: PolicyPatch, next: Profile): PolicyPatch {
  const keys = profileKeys(next);
  return Object.fromEntries(Object.entries(control).filter(([k]) => !keys.has(k as keyof Policy))) as PolicyPatch;
}
