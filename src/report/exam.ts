import type { ServerEvent } from '../events.js';
import { MAX_FAULTS } from '../faults.js';
import type { Policy, PolicyPatch } from '../policy.js';
import type { Realm } from '../realm.js';
import type { Check } from './check.js';
import type { Memo, Verdict } from './exam-graders.js';
import { PROBE_IDS, probeById, type Probe } from './exam-probes.js';

/** Each probe at most once per exam: the list is bounded by the catalogue. */
export const MAX_EXAM_PROBES = PROBE_IDS.length;
/** Event ids cited per probe: the strike and the verdict, and a few between. */
const MAX_EVENT_IDS = 16;

/** armed: waiting for its situation; struck: it arose, waiting for the client; graded; not-arisen: the client finished first. */
export type SittingState = 'armed' | 'struck' | 'graded' | 'not-arisen';

interface Sitting {
  probe: Probe;
  /** The id its fault takes, so its strike is told apart from any other fault's. */
  faultId: string;
  armedAt: string;
  state: SittingState;
  memo?: Memo;
  verdict?: Verdict;
  gradedAt?: string;
  eventIds: number[];
  /** A policy probe: what it set, and what was there before (put back when it ends). */
  policy?: { set: PolicyPatch; before: PolicyPatch };
}

export interface ExamProbeView {
  id: string;
  state: SittingState;
  armed: string;
  armedAt: string;
  struckAt?: string;
  gradedAt?: string;
}

/** GET /control/exam: what is armed, struck and graded, and the grades as checks. */
export interface ExamView {
  probes: ExamProbeView[];
  checks: Check[];
  available: readonly string[];
}

/** An exam the realm cannot arm as asked (the fault list has no room): nothing changed. */
export class ExamRefused extends Error {
  override name = 'ExamRefused';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Whom a probe graded: the client of the request it struck, when that endpoint's events name one. */
const clientOf = (s: Sitting): string | undefined => (s.memo && 'clientId' in s.memo.struck ? s.memo.struck.clientId : undefined);

/**
 * The active probes of one realm (issue 15, "the exam"): arms each probe's deviation through the
 * realm's own fault list, policy and step-up switch, as the control plane does, then grades what the
 * client does next from the events that follow (`realm.events.subscribe`). Not in a snapshot: an exam
 * lasts one client's run; reset ends it.
 */
export class Exam {
  private sittings: Sitting[] = [];
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly realm: Realm) {}

  /** Starts a new exam of these probes (known ids, each once), ending the one before. */
  arm(ids: readonly string[]): void {
    const probes = ids.map((id) => {
      const p = probeById(id);
      if (!p) throw new ExamRefused(`unknown probe ${JSON.stringify(id)}`, 400);
      return p;
    });
    for (const p of probes) {
      const why = p.refuses?.(this.realm.policy);
      if (why) throw new ExamRefused(why, 409);
    }
    const ours = this.sittings.filter((s) => this.realm.faults.has(s.faultId)).length;
    const needed = probes.filter((p) => p.arms.kind === 'fault').length;
    if (this.realm.faults.size - ours + needed > MAX_FAULTS) {
      throw new ExamRefused(`the fault list has no room for ${needed} probe fault(s) (${this.realm.faults.size} of ${MAX_FAULTS} held); remove some (DELETE /control/faults) or POST /control/reset`, 429);
    }
    // Subscribing may be refused (too many subscribers): first, so that a refusal changes nothing.
    this.unsubscribe ??= this.realm.events.subscribe((e) => this.observe(e));
    this.endSittings();
    const armedAt = new Date().toISOString();
    this.sittings = probes.map((probe) => ({ probe, faultId: `exam-${probe.id}`, armedAt, state: 'armed', eventIds: [] }));
    for (const s of this.sittings) this.engage(s);
  }

  /** The client is done: what it never did, it never did. Open probes are graded, the rest disarmed as not arisen. */
  finish(): void {
    for (const s of this.sittings) {
      if (s.state === 'struck') this.conclude(s, s.probe.grade.finish(s.memo!));
      else if (s.state === 'armed') {
        this.release(s);
        s.state = 'not-arisen';
      }
    }
    this.stopListening();
  }

  /** DELETE /control/exam: disarms what is still armed and forgets the grades. */
  disarm(): void {
    this.endSittings();
    this.sittings = [];
    this.stopListening();
  }

  /** Reset: the realm puts back its faults, policy and switches itself; the exam only forgets. */
  clear(): void {
    this.sittings = [];
    this.stopListening();
  }

  get armed(): boolean {
    return this.sittings.some((s) => s.state === 'armed' || s.state === 'struck');
  }

  /** Every probe's grade as a check (the report card's shape); with `clientId`, the probes that struck that client. */
  checks(clientId?: string): Check[] {
    const mine = clientId === undefined ? this.sittings : this.sittings.filter((s) => clientOf(s) === clientId);
    return mine.map((s) => this.toCheck(s));
  }

  view(): ExamView {
    return {
      probes: this.sittings.map((s) => ({
        id: s.probe.id,
        state: s.state,
        armed: s.probe.armed,
        armedAt: s.armedAt,
        ...(s.memo && { struckAt: s.memo.struck.at }),
        ...(s.gradedAt && { gradedAt: s.gradedAt }),
      })),
      checks: this.checks(),
      available: PROBE_IDS,
    };
  }

  private observe(e: ServerEvent): void {
    if (e.type !== 'request') return;
    for (const s of this.sittings) {
      if (s.state === 'armed') {
        if (!s.probe.grade.strikes(e, s.faultId)) continue;
        s.state = 'struck';
        s.memo = { struck: e, count: 0, limit: this.realm.policy.stepUpReauthorizationLimit };
        this.cite(s, e.id);
        // The exam's own one-shot: the token that just worked is dead for its next request.
        if (s.probe.arms.kind === 'revoke-at-use') void this.realm.store.destroyAll('access');
        const v = s.probe.grade.atStrike?.(s.memo);
        if (v) this.conclude(s, v);
      } else if (s.state === 'struck') {
        const v = s.probe.grade.next(e, s.memo!);
        if (v) this.conclude(s, v);
      }
    }
    if (!this.armed) this.stopListening();
  }

  private engage(s: Sitting): void {
    const a = s.probe.arms;
    if (a.kind === 'fault') {
      const spec = typeof a.fault === 'function' ? a.fault({ issuer: this.realm.issuer, policy: this.realm.policy }) : a.fault;
      this.realm.faults.add({ ...spec, id: s.faultId, times: 1 });
    } else if (a.kind === 'policy') {
      const policy = this.realm.policy as Record<string, unknown>;
      const before = Object.fromEntries(Object.keys(a.patch).map((k) => [k, policy[k]])) as PolicyPatch;
      this.realm.setPolicy(a.patch);
      s.policy = { set: a.patch, before };
    } else if (a.kind === 'step-up') this.realm.stepUp.arm(true);
  }

  /** Puts back what the probe armed: its fault if it never struck, the policy it set (unless changed since), the switch. */
  private release(s: Sitting): void {
    const a = s.probe.arms;
    if (a.kind === 'fault') this.realm.faults.remove(s.faultId);
    else if (a.kind === 'step-up') this.realm.stepUp.arm(false);
    else if (s.policy) {
      const now = this.realm.policy as Policy & Record<string, unknown>;
      const untouched = Object.entries(s.policy.set).every(([k, v]) => JSON.stringify(now[k]) === JSON.stringify(v));
      if (untouched) this.realm.setPolicy(s.policy.before);
      s.policy = undefined;
    }
  }

  private conclude(s: Sitting, v: Verdict): void {
    s.verdict = v;
    s.state = 'graded';
    s.gradedAt = new Date().toISOString();
    if (v.eventId !== undefined) this.cite(s, v.eventId);
    this.release(s);
  }

  private endSittings(): void {
    for (const s of this.sittings) if (s.state === 'armed' || s.state === 'struck') this.release(s);
  }

  private stopListening(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private cite(s: Sitting, id: number): void {
    if (s.eventIds.length < MAX_EVENT_IDS && !s.eventIds.includes(id)) s.eventIds.push(id);
  }

  private toCheck(s: Sitting): Check {
    const p = s.probe;
    const { status, why } =
      s.verdict ??
      (s.state === 'struck'
        ? { status: 'INFO' as const, why: `the probe struck at event ${s.memo!.struck.id}; waiting for what the client does next (POST /control/exam/finish grades it when the client is done)` }
        : { status: 'SKIPPED' as const, why: p.notArisen });
    return {
      id: p.checkId,
      name: p.name,
      description: `${p.level}: ${p.expects}`,
      status,
      timestamp: s.gradedAt ?? new Date().toISOString(),
      specReferences: p.specReferences,
      details: { probe: p.id, state: s.state, armed: p.armed, why },
      ...(status === 'FAILURE' || status === 'WARNING' ? { errorMessage: why } : {}),
      ...(clientOf(s) !== undefined && { clientId: clientOf(s) }),
      eventIds: [...s.eventIds],
    };
  }
}
