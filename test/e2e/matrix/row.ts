import type { FaultSpec } from '../../../src/faults.js';
import type { PolicyPatch } from '../../../src/policy.js';

/**
 * One row of a "what the official clients do when …" table: what it sets, and what each client was
 * seen to do (`connects`, or how it refused). The e2e test of the row's file asserts each outcome;
 * test/support/clients-table.ts renders the rows into the README, so the table is the test's record.
 */
export interface Row {
  knob: string;
  policy?: PolicyPatch;
  faults?: FaultSpec[];
  /** The SDK v2 client (@modelcontextprotocol/client). */
  v2: string;
  /** The SDK 1.32.2 client. */
  sdk1: string;
  /** oauth4webapi 3, its own checks. */
  o4w: string;
}
