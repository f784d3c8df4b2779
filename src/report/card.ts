import type { EventLog, ServerEvent } from '../events.js';
import type { Check, CheckStatus } from './check.js';
import { CHECKS, type CheckDef, type Verdict } from './checks.js';
import { ClientFacts } from './facts.js';
import { Lineages } from './lineage.js';
import { RecentSet, setBounded } from './recent.js';

/** Clients a card keeps facts of; past it the one seen first is forgotten (a looping client cannot grow it). */
export const MAX_REPORT_CLIENTS = 1000;
/** Issued access tokens (their digests) whose client a card remembers, to know whose token a refused request showed. */
export const MAX_TOKEN_OWNERS = 4096;
/** Protected resource metadata paths kept. */
const PRM_PATHS = 8;

/** More checks for a client, from elsewhere (the exam's probes): called at each report. */
export type CheckSource = (clientId?: string) => Check[];

/** One client's card, in GET /control/report. A client refused at registration has no clientId: its key is its lineage. */
export interface ClientCard {
  clientId: string | null;
  key: string;
  clientName: string | null;
  lineage: string | null;
  firstSeen: string;
  lastSeen: string;
  checks: Check[];
}

export interface Report {
  generatedAt: string;
  clients: ClientCard[];
  /** How many checks of each status over all clients. */
  totals: Record<CheckStatus, number>;
}

/** What the card asks of its realm when it grades (it imports no realm). */
export interface CardContext {
  /** The realm's clock (ms): what "at the same time" is measured on, so a test can move it. */
  now(): number;
  rotates(): boolean;
  scopesSupported(): readonly string[];
}

/**
 * A realm's report card: per-client facts kept from the realm's events as they happen (one
 * subscriber, O(1) per event), so that grades never depend on the bounded event log. Reset clears it.
 */
export class ReportCard {
  private readonly clients = new Map<string, ClientFacts>();
  private readonly owners = new Map<string, string>();
  private readonly lineages = new Lineages();
  private prm = new RecentSet(PRM_PATHS);
  /** The scope of the last challenge answered to a request without a token: what a client may then ask for. */
  private lastChallenge: string | undefined;
  private readonly sources = new Set<CheckSource>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly events: EventLog,
    private readonly ctx: CardContext,
  ) {
    this.attach();
  }

  /** Follows the realm's events (the default). */
  attach(): void {
    this.unsubscribe ??= this.events.subscribe((e) => this.observe(e));
  }

  /** Stops following them: what the bench measures against. */
  detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  get attached(): boolean {
    return this.unsubscribe !== undefined;
  }

  /** Adds checks from elsewhere to each client's card (the exam); returns the function that removes them. */
  addSource(fn: CheckSource): () => void {
    this.sources.add(fn);
    return () => this.sources.delete(fn);
  }

  clear(): void {
    this.clients.clear();
    this.owners.clear();
    this.lineages.clear();
    this.prm = new RecentSet(PRM_PATHS);
    this.lastChallenge = undefined;
  }

  get size(): number {
    return this.clients.size;
  }

  get lineageCount(): number {
    return this.lineages.size;
  }

  observe(e: ServerEvent): void {
    if (e.type !== 'request') return;
    switch (e.endpoint) {
      case 'register': {
        if (e.lineage === undefined) return;
        const f = this.entry(e.clientId ?? `lineage:${e.lineage}`, e.at, e.clientId);
        f.onRegister(e);
        this.lineages.registered(e.lineage, e.clientName, e.clientId);
        return;
      }
      case 'authorize':
        if (e.clientId !== undefined) this.entry(e.clientId, e.at, e.clientId).onAuthorize(e, this.lastChallenge, this.ctx.scopesSupported());
        return;
      case 'token':
        if (e.clientId === undefined) return;
        if (e.accessDigest !== undefined) setBounded(this.owners, e.accessDigest, e.clientId, MAX_TOKEN_OWNERS);
        this.entry(e.clientId, e.at, e.clientId).onToken(e, this.ctx.now());
        return;
      case 'mcp': {
        const id = e.clientId ?? (e.tokenDigest === undefined ? undefined : this.owners.get(e.tokenDigest));
        if (id !== undefined) this.entry(id, e.at, id).onMcp(e, e.clientId !== undefined);
        else if (e.bearerIn === 'none' && e.challengeScope !== undefined) this.lastChallenge = e.challengeScope;
        return;
      }
      case 'resource-metadata':
        this.prm.seen(e.path);
        return;
      default:
        return;
    }
  }

  /** Whether the card knows this client. */
  has(clientId: string): boolean {
    return this.clients.has(clientId);
  }

  /** One client's checks in the conformance suite's checks.json shape, or undefined for a client never seen. */
  checks(clientId: string, now = new Date().toISOString()): Check[] | undefined {
    const f = this.clients.get(clientId);
    return f ? this.grade(f, now) : undefined;
  }

  report(): Report {
    const now = new Date().toISOString();
    const totals: Record<CheckStatus, number> = { SUCCESS: 0, FAILURE: 0, WARNING: 0, SKIPPED: 0, INFO: 0 };
    const clients = [...this.clients.values()].map((f): ClientCard => {
      const checks = this.grade(f, now);
      for (const c of checks) totals[c.status]++;
      return { clientId: f.clientId ?? null, key: f.key, clientName: f.clientName ?? null, lineage: f.lineage ?? null, firstSeen: f.firstSeen, lastSeen: f.lastSeen, checks };
    });
    return { generatedAt: now, clients, totals };
  }

  private entry(key: string, at: string, clientId: string | undefined): ClientFacts {
    let f = this.clients.get(key);
    if (!f) {
      f = new ClientFacts(key, at);
      f.clientId = clientId;
      setBounded(this.clients, key, f, MAX_REPORT_CLIENTS);
    }
    f.lastSeen = at;
    return f;
  }

  private grade(f: ClientFacts, timestamp: string): Check[] {
    const ctx = { lineage: this.lineages.get(f.lineage), rotates: this.ctx.rotates(), prmPaths: this.prm.list() };
    const own = CHECKS.map((def) => toCheck(def, def.grade(f, ctx), f, timestamp));
    if (this.sources.size === 0 || f.clientId === undefined) return own;
    const extra = [...this.sources].flatMap((s) => s(f.clientId).filter((c) => c.clientId === undefined || c.clientId === f.clientId));
    return [...own, ...extra];
  }
}

function toCheck(def: CheckDef, v: Verdict, f: ClientFacts, timestamp: string): Check {
  const status: CheckStatus = 'skip' in v ? 'SKIPPED' : 'info' in v ? 'INFO' : (v.status ?? (v.pass ? 'SUCCESS' : def.word === 'MUST' ? 'FAILURE' : 'WARNING'));
  const description = 'skip' in v ? v.skip : 'info' in v ? v.info : v.says;
  const details = 'skip' in v ? undefined : v.details;
  const ids = def.topic && status !== 'SKIPPED' ? f.ids[def.topic] : undefined;
  return {
    id: def.id,
    name: def.name,
    description,
    status,
    timestamp,
    specReferences: def.refs,
    ...(details && { details }),
    ...(f.clientId !== undefined && { clientId: f.clientId }),
    ...(ids?.length && { eventIds: [...ids] }),
  };
}
