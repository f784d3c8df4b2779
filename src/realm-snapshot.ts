import { z } from 'zod';
import { MAX_CLOCK_OFFSET_SECONDS } from './clock.js';
import { FaultsSnapshotSchema } from './faults.js';
import { KeysSnapshotSchema } from './keys.js';
import { MAX_REALM_TTL_SECONDS, type Config } from './config.js';
import { PolicyPatchSchema, PolicySchema, type Policy } from './policy.js';
import type { Counters } from './realm.js';
import { ProfileSchema } from './profiles/profile.js';
import { PERSONA_NAMES } from './profiles/personas.js';
import { SPEC_VERSIONS } from './profiles/spec-presets.js';
import { StepUpSnapshotSchema } from './step-up.js';
import { StoreDumpSchema } from './store/dump-schema.js';

const Count = z.number().int().min(0);

const CountersSchema = z
  .object({
    authorizeCalls: Count,
    tokenCalls: Count,
    tokenCallsByGrant: z.record(z.string().max(256), Count).refine((r) => Object.keys(r).length <= 100, 'at most 100 grant types'),
    refreshes: Count,
    introspections: Count,
    registrations: Count,
    revocations: Count,
    mcpRequests: Count,
    toolCalls: Count,
  })
  .strict() satisfies z.ZodType<Counters>;

/**
 * One realm as a state file keeps it: what the control plane set and what clients were issued. The
 * policy is kept as its differences from the startup policy, so a setting changed in the environment
 * between two runs takes effect unless the control plane had changed that same value. Events are not
 * kept (a log, not state), nor URLs and settings (the configuration's).
 */
export const RealmSnapshotSchema = z
  .object({
    policy: PolicyPatchSchema,
    faults: FaultsSnapshotSchema,
    stepUp: StepUpSnapshotSchema,
    clockOffsetSeconds: z.number().min(0).max(MAX_CLOCK_OFFSET_SECONDS),
    counters: CountersSchema,
    store: StoreDumpSchema,
    /** The signing keys, private parts included (absent in files written before JWT access tokens). */
    keys: KeysSnapshotSchema.optional(),
    /** The spec preset and persona in force (absent in files written before profiles: the startup profile). `policy` is over it. */
    profile: ProfileSchema.optional(),
    /** A created realm's creation spec (POST /control/realms): a restart creates it again alike, and its reset returns there. */
    created: z
      .object({
        policy: PolicyPatchSchema.optional(),
        ttlSeconds: z.number().int().min(1).max(MAX_REALM_TTL_SECONDS).optional(),
        spec: z.enum(SPEC_VERSIONS).optional(),
        persona: z.enum(PERSONA_NAMES).nullable().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type RealmSnapshot = z.infer<typeof RealmSnapshotSchema>;

/** A snapshot this realm cannot take as it is configured (more records than its caps): nothing changed. */
export class SnapshotRefused extends Error {
  override name = 'SnapshotRefused';
}

/**
 * Whether a realm configured so can take the snapshot: its policy changes over this startup policy,
 * and no more records than its caps (the file was bounded by the caps of the run that wrote it, which
 * may have been larger). Returns the policy to restore; throws SnapshotRefused.
 */
export function checkSnapshot(s: RealmSnapshot, config: Pick<Config, 'maxClients' | 'maxCodes' | 'maxAccessTokens' | 'maxRefreshTokens'>, startup: Policy): Policy {
  const policy = PolicySchema.safeParse({ ...startup, ...s.policy });
  if (!policy.success) {
    const issue = policy.error.issues[0]!;
    throw new SnapshotRefused(`its policy changes do not fit this configuration (${issue.path.join('.')}: ${issue.message})`);
  }
  const caps = [
    ['clients', s.store.clients.length, config.maxClients, 'MAX_CLIENTS'],
    ['authorization codes', s.store.records.code.length, config.maxCodes, 'MAX_CODES'],
    ['access tokens', s.store.records.access.length, config.maxAccessTokens, 'MAX_ACCESS_TOKENS'],
    ['refresh tokens', s.store.records.refresh.length, config.maxRefreshTokens, 'MAX_REFRESH_TOKENS'],
  ] as const;
  for (const [what, n, cap, name] of caps) {
    if (n > cap) throw new SnapshotRefused(`it holds ${n} ${what}, more than ${name} (${cap}): raise ${name} to keep them`);
  }
  return policy.data;
}
