import { createHash } from 'node:crypto';
import { z } from 'zod';

/** How many clients the step-up ledger remembers; the oldest is forgotten first (bounded state). */
export const MAX_STEP_UP_CLIENTS = 1000;

/** What /control/state shows for one client. */
export interface StepUpCount {
  /** 403 insufficient_scope answers it got from a tool's scope or the step-up switch. */
  challenges: number;
  /** Times it came back with a new token after a challenge. */
  reauthorizations: number;
}

interface Entry extends StepUpCount {
  /** The challenge still open: which token got it (a fingerprint, never the token) and what it asked for. */
  open?: { token: string; scope: string };
  /** Re-authorizations in a row that ended in the same challenge again. */
  repeats: number;
}

/** The ledger as a state file keeps it: the switch as /control/state shows it, and every client's entry. */
export const StepUpSnapshotSchema = z
  .object({
    switch: z.union([z.number().int().min(1), z.boolean()]),
    clients: z
      .array(
        z.tuple([
          z.string().min(1).max(4096),
          z
            .object({
              challenges: z.number().int().min(0),
              reauthorizations: z.number().int().min(0),
              repeats: z.number().int().min(0),
              open: z.object({ token: z.string().max(64), scope: z.string().max(4096) }).strict().optional(),
            })
            .strict(),
        ]),
      )
      .max(MAX_STEP_UP_CLIENTS),
  })
  .strict();
export type StepUpSnapshot = z.infer<typeof StepUpSnapshotSchema>;

const fingerprint = (token: string): string => createHash('sha256').update(token).digest('base64url').slice(0, 22);

/**
 * The step-up switch's countdown and each client's step-up history, for one realm. A client that
 * answers a challenge with a token no better than the last one (it re-authorized with the old scope,
 * not the union the challenge named: SEP-2350) is what `repeats` catches.
 */
export class StepUpLedger {
  /** Tool calls the switch still challenges: a number, `Infinity` while on, 0 when off. */
  private pending = 0;
  private readonly clients = new Map<string, Entry>();

  /** `calls` tool calls from now (a number), until switched off (`true`), or none (`false`). */
  arm(calls: number | boolean): void {
    this.pending = calls === true ? Infinity : calls === false ? 0 : calls;
  }

  /** What /control/state shows under `switches`: the calls left, true while on, false when off. */
  get switchState(): number | boolean {
    return this.pending === Infinity ? true : this.pending > 0 ? this.pending : false;
  }

  /** Whether the switch is on (the step asks no more of a call while it is off). */
  get armed(): boolean {
    return this.pending > 0;
  }

  /** Uses up one of the switch's calls; false when it is off. */
  take(): boolean {
    if (this.pending <= 0) return false;
    this.pending--;
    return true;
  }

  /**
   * A challenge for `clientId`'s token: returns how many re-authorizations in a row have now ended in
   * this same challenge (0 for a first one).
   */
  challenged(clientId: string, token: string, scope: string): number {
    const e = this.entry(clientId);
    const print = fingerprint(token);
    e.challenges++;
    if (e.open && e.open.token !== print) {
      e.reauthorizations++;
      e.repeats = e.open.scope === scope ? e.repeats + 1 : 0;
    } else if (!e.open || e.open.scope !== scope) {
      e.repeats = 0;
    }
    e.open = { token: print, scope };
    return e.repeats;
  }

  /** A tool call that passed: a new token after a challenge was a re-authorization that worked. */
  passed(clientId: string, token: string): void {
    const e = this.clients.get(clientId);
    // The challenged token passing another tool's call answers nothing: the challenge stays open.
    if (!e?.open || e.open.token === fingerprint(token)) return;
    e.reauthorizations++;
    e.open = undefined;
    e.repeats = 0;
  }

  counts(): Record<string, StepUpCount> {
    return Object.fromEntries([...this.clients].map(([id, e]) => [id, { challenges: e.challenges, reauthorizations: e.reauthorizations }]));
  }

  snapshot(): StepUpSnapshot {
    return { switch: this.switchState, clients: [...this.clients].map(([id, e]) => [id, structuredClone(e)]) };
  }

  /** Replaces the switch and every entry with a snapshot's, least recently used first as they were. */
  restore(s: StepUpSnapshot): void {
    this.arm(s.switch);
    this.clients.clear();
    for (const [id, e] of s.clients) this.clients.set(id, structuredClone(e));
  }

  clear(): void {
    this.pending = 0;
    this.clients.clear();
  }

  private entry(clientId: string): Entry {
    let e = this.clients.get(clientId);
    if (e) {
      // Most recently used last, so the first key is the one to forget.
      this.clients.delete(clientId);
    } else {
      e = { challenges: 0, reauthorizations: 0, repeats: 0 };
      if (this.clients.size >= MAX_STEP_UP_CLIENTS) this.clients.delete(this.clients.keys().next().value!);
    }
    this.clients.set(clientId, e);
    return e;
  }
}
