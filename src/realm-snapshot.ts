import { z } from 'zod';
import { MAX_CLOCK_OFFSET_SECONDS } from './clock.js';
import { FaultsSnapshotSchema } from './faults.js';
import { PolicyPatchSchema } from './policy.js';
import type { Counters } from './realm.js';
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
  })
  .strict();
export type RealmSnapshot = z.infer<typeof RealmSnapshotSchema>;

/** A snapshot this realm cannot take as it is configured (more records than its caps): nothing changed. */
export class SnapshotRefused extends Error {
  override name = 'SnapshotRefused';
}
