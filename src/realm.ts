import { CimdCache } from './cimd-cache.js';
import type { Config } from './config.js';
import { Clock } from './clock.js';
import { EventLog, oneLine, type LogSink } from './events.js';
import { Faults } from './faults.js';
import { defaultPolicy, grantedByDefault, policyChanges, PolicyPatchSchema, PolicySchema, type Policy, type PolicyPatch } from './policy.js';
import { checkSnapshot, SnapshotRefused, type RealmSnapshot } from './realm-snapshot.js';
import { preregisteredRecord } from './preregistered.js';
import { Exam } from './report/exam.js';
import { randomToken } from './secrets.js';
import { SeenJtis } from './seen-jtis.js';
import { StepUpLedger } from './step-up.js';
import { flat } from './http/flat.js';
import { KeyRing } from './keys.js';
import { MemoryStore } from './store/memory.js';
import type { GrantRevocation, Store } from './store/store.js';
import { defaultBaseUrl, HostAwareUrls, RealmUrls, type DerivedBases } from './urls.js';

/** A Config whose public URLs are known (after the ports are bound, or given explicitly). */
export type BoundConfig = Config & {
  oauthBaseUrl: string;
  mcpBaseUrl: string;
  /** Which base URLs were derived from bound ports rather than configured (those follow the Host a client used). */
  derived?: DerivedBases;
};

/** Counters shown by GET /control/state; names follow the original contract (`tokenCalls`). */
export interface Counters {
  authorizeCalls: number;
  tokenCalls: number;
  tokenCallsByGrant: Record<string, number>;
  refreshes: number;
  introspections: number;
  registrations: number;
  revocations: number;
  mcpRequests: number;
  toolCalls: number;
}

const freshCounters = (): Counters => ({
  authorizeCalls: 0,
  tokenCalls: 0,
  tokenCallsByGrant: {},
  refreshes: 0,
  introspections: 0,
  registrations: 0,
  revocations: 0,
  mcpRequests: 0,
  toolCalls: 0,
});

/** The test user every token is issued to: consent is automatic, there is no login. */
export const SUBJECT = 'test-user';

/** How often expired records are swept: by the realm's own timer, or for created realms by the registry's one. */
export const SWEEP_INTERVAL_MS = 10_000;

export interface RealmOptions {
  /**
   * false: no timer of its own; its owner calls `sweep()` (the realm registry sweeps every created
   * realm from one timer: a thousand timers would be a thousand wake-ups).
   */
  ownSweeper?: boolean;
  /** A change to the default policy this realm starts with and returns to at every reset; throws a ZodError when refused. */
  policy?: PolicyPatch;
  /** A created realm's idle lifetime (the registry's to keep); only recorded here, so a restart can create it again alike. */
  ttlSeconds?: number;
}

/**
 * Everything one isolated instance owns: policy, faults, store, clock, events, counters, URLs.
 * Handlers find their realm per request (`c.get('realm')`) and reach state only through it, so two
 * realms in one process never share a client, a token or a switch.
 */
export class Realm {
  readonly clock = new Clock();
  readonly store: Store;
  readonly faults = new Faults();
  /** The step-up switch's countdown and each client's step-up history (/control/state `stepUp`). */
  readonly stepUp = new StepUpLedger();
  /** The keys JWT access tokens are signed with, published at <issuer>/jwks (keys.ts). */
  readonly keys = new KeyRing(() => this.clock.now());
  /** The jti of each client assertion accepted, until it expires (private_key_jwt replay, RFC 7523 §3). */
  readonly seenJtis = new SeenJtis();
  /** Clients read from client ID metadata documents, while their documents are fresh (/control/state `cimdClients`). */
  readonly cimd: CimdCache;
  readonly events: EventLog;
  /** The active probes armed by POST /control/exam and their grades (`exam.checks()`); emptied by reset, not snapshotted. */
  readonly exam: Exam = new Exam(this);
  readonly urls: RealmUrls;
  /** `urls` as each request's Host names them (`c.get('urls')`). */
  readonly hosts: HostAwareUrls;
  counters = freshCounters();
  /** Resolves once the startup state (the seeded refresh token) is in the store. */
  readonly ready: Promise<void>;
  private current: Policy;
  /** How a created realm was asked for (its creation policy and TTL): kept in its snapshot. */
  private readonly creation: RealmSnapshot['created'];
  private epoch = 0;
  private readonly startupPolicy: Policy;
  private readonly sweeper: NodeJS.Timeout | undefined;

  constructor(
    readonly config: BoundConfig,
    private readonly log?: LogSink,
    store?: Store,
    options: RealmOptions = {},
  ) {
    this.store = store ?? new MemoryStore(() => this.clock.now());
    this.events = new EventLog(config.eventCapacity, log);
    this.cimd = new CimdCache(config.cimdMaxDocuments);
    this.urls = new RealmUrls(config.oauthBaseUrl, config.mcpBaseUrl);
    this.hosts = new HostAwareUrls(this.urls, config.derived, (line) => this.notice(line));
    this.creation = options.policy || options.ttlSeconds ? { ...(options.policy && { policy: options.policy }), ...(options.ttlSeconds && { ttlSeconds: options.ttlSeconds }) } : undefined;
    const defaults = defaultPolicy(config);
    this.startupPolicy = options.policy ? PolicySchema.parse({ ...defaults, ...PolicyPatchSchema.parse(options.policy) }) : defaults;
    this.current = this.startupPolicy;
    this.ready = this.seed();
    this.clock.onAdvance(() => void this.store.sweep());
    if (options.ownSweeper !== false) {
      this.sweeper = setInterval(() => void this.store.sweep(), SWEEP_INTERVAL_MS);
      this.sweeper.unref();
    }
  }

  get issuer(): string {
    return this.urls.issuer;
  }

  /** The MCP resource identifier: exactly the URL clients connect to (RFC 9728 §3, RFC 8707). */
  get resource(): string {
    return this.urls.resource;
  }

  /**
   * Which life of the authorization server this is: every reset starts a new one. A request remembers
   * the generation it started in, and issues nothing (codes, tokens, adopted clients) in a later one.
   */
  get generation(): number {
    return this.epoch;
  }

  /** The policy in force; read-only: change it with `setPolicy`. */
  get policy(): Readonly<Policy> {
    return this.current;
  }

  /** Applies a change to the policy, validated as a whole; throws a ZodError when it is refused. */
  setPolicy(patch: PolicyPatch): Policy {
    this.current = PolicySchema.parse({ ...this.current, ...PolicyPatchSchema.parse(patch) });
    return this.current;
  }

  /**
   * Revokes a grant's tokens, and keeps it revoked for a code's lifetime: longer than any request that
   * had already consumed one of its codes or refresh tokens can take to save what it minted. Each of
   * its tokens remembers `cause` (their tombstones), so a later presentation is told why.
   */
  revokeGrant(grantId: string, cause: GrantRevocation = 'grant-revoked'): Promise<number> {
    return this.store.revokeByGrantId(grantId, this.clock.now() + this.policy.codeTtlSeconds * 1000, cause);
  }

  /**
   * Makes `token` a refresh token any client may use (SEED_REFRESH_TOKEN, /control/seed-refresh).
   * Seeds count against MAX_REFRESH_TOKENS like any other: false when the store is full.
   */
  async seedRefresh(token: string): Promise<boolean> {
    // The token may be a slice of a control request's body: the store keeps a copy (store/flat.ts).
    const saved = await this.store.upsert('refresh', flat(token), {
      clientId: null,
      scope: grantedByDefault(this.policy),
      resources: [],
      sub: SUBJECT,
      grantId: `seed-${randomToken('', 9)}`,
      iat: this.clock.nowSeconds(),
    }, this.config.maxRefreshTokens);
    return saved !== 'full';
  }

  /**
   * Back to the startup state of the whole realm, whichever server was asked: clients, tokens, policy,
   * both servers' faults and switches, clock, counters. A realm is the unit a user resets; when the
   * two servers run apart, each has its own realm and resets only what it serves.
   */
  async reset(): Promise<void> {
    // First, so that a request in flight sees it before the store is cleared under it.
    this.epoch++;
    await this.store.clear();
    this.faults.clear();
    this.stepUp.clear();
    // Its times are on the clock about to go back: the next use makes a fresh key.
    this.keys.clear();
    this.seenJtis.clear();
    this.cimd.clear();
    this.exam.clear();
    this.current = this.startupPolicy;
    this.clock.reset();
    this.counters = freshCounters();
    await this.seed();
  }

  /** What a restart must keep (RealmSnapshot): one consistent view of the store, then the rest. */
  async snapshot(): Promise<RealmSnapshot> {
    const dump = await this.store.dump();
    // Pre-registered clients come from the configuration at every start: a file that kept them would
    // bring back one since taken out of CLIENTS_FILE, or an old secret.
    const preregistered = new Set(this.config.clients.map((c) => c.client_id));
    const store = preregistered.size ? { ...dump, clients: dump.clients.filter((c) => !preregistered.has(c.client_id)) } : dump;
    return {
      policy: policyChanges(this.startupPolicy, this.current),
      faults: this.faults.snapshot(),
      stepUp: this.stepUp.snapshot(),
      clockOffsetSeconds: this.clock.offsetSeconds,
      counters: structuredClone(this.counters),
      store,
      keys: this.keys.snapshot(),
      ...(this.creation && { created: this.creation }),
    };
  }

  /**
   * Takes a snapshot's state in place of this realm's, before it serves. Checked first against this
   * realm's caps and startup policy: refused whole (SnapshotRefused), nothing changed. The seeded
   * refresh token comes back as the snapshot had it (a rotated or revoked seed stays so); it is seeded
   * only when the snapshot never knew it (SEED_REFRESH_TOKEN set since).
   */
  async restore(s: RealmSnapshot): Promise<void> {
    await this.ready;
    const policy = checkSnapshot(s, this.config, this.startupPolicy);
    // First: a key that does not import refuses the snapshot before anything changed.
    await this.keys.restore(s.keys ?? []).catch((err: unknown) => {
      throw new SnapshotRefused(`its signing keys do not import (${err instanceof Error ? err.message : String(err)})`);
    });
    this.clock.restore(s.clockOffsetSeconds);
    await this.store.load(s.store);
    this.faults.restore(s.faults);
    this.stepUp.restore(s.stepUp);
    this.current = policy;
    this.counters = structuredClone(s.counters);
    await this.seedClients();
    const seed = this.config.seedRefreshToken;
    if (seed && !(await this.store.find('refresh', seed)) && !(await this.store.tombstone('refresh', seed))) await this.seed();
  }

  /** An operator-facing line (not an event): printed when logging is on. */
  notice(line: string): void {
    // Notices quote what others said (an introspection failure's cause comes from the AS): one line each.
    this.log?.(oneLine(line));
  }

  /** Drops what has expired from the store. */
  sweep(): Promise<void> {
    return this.store.sweep();
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  /** Pre-registered clients (CLIENTS_FILE): added with no cap, and over any stored client of the same id (the configuration wins). */
  private async seedClients(): Promise<void> {
    const issuedAt = this.clock.nowSeconds();
    for (const c of this.config.clients) await this.store.upsertClient(preregisteredRecord(c, issuedAt));
  }

  private async seed(): Promise<void> {
    await this.seedClients();
    if (this.config.seedRefreshToken) await this.seedRefresh(this.config.seedRefreshToken);
  }
}

/** Fills in base URLs from the ports when they were not configured. */
export function bindConfig(config: Config, ports?: { oauth: number; mcp: number }, tls = false): BoundConfig {
  const derived: DerivedBases | undefined = ports
    ? { oauthPort: config.oauthBaseUrl === undefined ? ports.oauth : undefined, mcpPort: config.mcpBaseUrl === undefined ? ports.mcp : undefined, tls, bindHost: config.host }
    : undefined;
  return {
    ...config,
    derived,
    oauthBaseUrl: config.oauthBaseUrl ?? defaultBaseUrl(config.host, ports?.oauth ?? config.oauthPort, tls),
    mcpBaseUrl: config.mcpBaseUrl ?? defaultBaseUrl(config.host, ports?.mcp ?? config.mcpPort, tls),
  };
}
