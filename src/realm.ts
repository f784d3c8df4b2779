import { CimdCache } from './cimd-cache.js';
import type { Config } from './config.js';
import { Clock } from './clock.js';
import { ConsentLedger } from './consent-ledger.js';
import { EventLog, oneLine, type LogSink } from './events.js';
import { Faults, MAX_FAULTS, FaultsFull } from './faults.js';
import { defaultPolicy, grantedByDefault, policyChanges, PolicyPatchSchema, PolicySchema, type Policy, type PolicyPatch } from './policy.js';
import { checkSnapshot, SnapshotRefused, type RealmSnapshot } from './realm-snapshot.js';
import { controlAfterSwitch, layered, sources, standingFaults, type Profile, type ProfileView } from './profiles/profile.js';
import { NEWEST_SPEC } from './profiles/spec-presets.js';
import { preregisteredRecord } from './preregistered.js';
import { Exam } from './report/exam.js';
import { randomToken } from './secrets.js';
import { SeenJtis } from './seen-jtis.js';
import { StepUpLedger } from './step-up.js';
import { flat } from './http/flat.js';
import { KeyRing } from './keys.js';
import { ReportCard } from './report/card.js';
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
  /** The spec preset and persona this realm starts with and returns to at every reset, instead of SPEC_VERSION and PERSONA. */
  profile?: Partial<Profile>;
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
  /**
   * Requests waiting on the consent page (CONSENT=page). Their payload is oauth's to type
   * (oauth/consent.ts): state imports nothing of the handlers.
   */
  readonly consents = new ConsentLedger<unknown>();
  /** Clients read from client ID metadata documents, while their documents are fresh (/control/state `cimdClients`). */
  readonly cimd: CimdCache;
  readonly events: EventLog;
  /** What each client did, graded (GET /control/report): fed by `events`, cleared by reset, not snapshotted. */
  readonly report: ReportCard;
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
  /** The startup defaults under every profile: the configuration's policy. */
  private readonly base: Policy;
  /** A created realm's creation policy: the layer above its profile (profiles/profile.ts layered). */
  private readonly creationPolicy: PolicyPatch;
  private readonly startupProfile: Profile;
  private active: Profile;
  /** What the control plane changed (POST /control/policy, switches that write policy), over the profile. */
  private control: PolicyPatch = {};
  private readonly sweeper: NodeJS.Timeout | undefined;

  constructor(
    readonly config: BoundConfig,
    private readonly log?: LogSink,
    store?: Store,
    options: RealmOptions = {},
  ) {
    this.store = store ?? new MemoryStore(() => this.clock.now());
    this.events = new EventLog(config.eventCapacity, log);
    this.report = new ReportCard(this.events, { now: () => this.clock.now(), rotates: () => this.current.rotateRefreshTokens, scopesSupported: () => this.current.scopes });
    // The exam's grades belong on the card of the client each probe struck (GET /control/report).
    this.report.addSource((clientId) => this.exam.checks(clientId));
    this.cimd = new CimdCache(config.cimdMaxDocuments);
    this.urls = new RealmUrls(config.oauthBaseUrl, config.mcpBaseUrl);
    this.hosts = new HostAwareUrls(this.urls, config.derived, (line) => this.notice(line));
    const p = options.profile ?? {};
    this.creation =
      options.policy || options.ttlSeconds || p.spec || p.persona !== undefined
        ? { ...(options.policy && { policy: options.policy }), ...(options.ttlSeconds && { ttlSeconds: options.ttlSeconds }), ...(p.spec && { spec: p.spec }), ...(p.persona !== undefined && { persona: p.persona }) }
        : undefined;
    const defaults = defaultPolicy(config);
    this.base = defaults;
    this.creationPolicy = options.policy ? PolicyPatchSchema.parse(options.policy) : {};
    this.startupProfile = { spec: p.spec ?? config.specVersion ?? NEWEST_SPEC, persona: p.persona !== undefined ? p.persona : (config.persona ?? null) };
    this.active = this.startupProfile;
    this.startupPolicy = layered(this.base, this.startupProfile, {}, this.creationPolicy);
    this.current = this.startupPolicy;
    for (const f of standingFaults(this.startupProfile.persona)) this.faults.add(f);
    this.ready = this.seed();
    this.clock.onAdvance(() => void this.store.sweep());
    if (options.ownSweeper !== false) {
      this.sweeper = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
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
    const change = PolicyPatchSchema.parse(patch);
    this.current = PolicySchema.parse({ ...this.current, ...change });
    this.control = { ...this.control, ...change };
    return this.current;
  }

  /** The spec preset and persona in force. */
  get profile(): Readonly<Profile> {
    return this.active;
  }

  /** The active profile, the policy in force and the layer each value comes from. */
  profileView(): ProfileView {
    const ids = new Set(standingFaults(this.active.persona).map((f) => f.id!));
    return { ...this.active, policy: this.current, sources: sources(this.base, this.active, this.control, this.creationPolicy), faults: this.faults.list().filter((f) => ids.has(f.id)).map((f) => f.id) };
  }

  /**
   * Switches the spec preset, the persona or both: the profile layers are replaced, control-plane
   * changes to keys the new profile sets are dropped, and a new persona's standing faults replace the
   * old one's. Checked whole first: a ZodError or FaultsFull, and nothing changed.
   */
  setProfile(change: Partial<Profile>): Profile {
    const next: Profile = { spec: change.spec ?? this.active.spec, persona: change.persona !== undefined ? change.persona : this.active.persona };
    const control = controlAfterSwitch(this.control, next);
    const policy = layered(this.base, next, control, this.creationPolicy);
    const personaChanged = next.persona !== this.active.persona;
    if (personaChanged) {
      const old = standingFaults(this.active.persona).filter((f) => this.faults.has(f.id!)).length;
      const added = standingFaults(next.persona).filter((f) => !this.faults.has(f.id!)).length;
      if (this.faults.size - old + added > MAX_FAULTS) throw new FaultsFull();
      for (const f of standingFaults(this.active.persona)) this.faults.remove(f.id!);
      for (const f of standingFaults(next.persona)) this.faults.add(f);
    }
    this.active = next;
    this.control = control;
    this.current = policy;
    return next;
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
    this.consents.clear();
    this.cimd.clear();
    this.report.clear();
    this.exam.clear();
    this.current = this.startupPolicy;
    this.active = this.startupProfile;
    this.control = {};
    for (const f of standingFaults(this.startupProfile.persona)) this.faults.add(f);
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
      policy: policyChanges(layered(this.base, this.active, {}, this.creationPolicy), this.current),
      profile: { ...this.active },
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
    // A file written before profiles has none: its policy changes are over the startup profile.
    const profile = s.profile ?? this.startupProfile;
    let below: Policy;
    try {
      below = layered(this.base, profile, {}, this.creationPolicy);
    } catch (err) {
      throw new SnapshotRefused(`its profile (spec ${profile.spec}, persona ${profile.persona ?? 'none'}) does not fit this configuration (${err instanceof Error ? err.message.slice(0, 200) : String(err)})`);
    }
    const policy = checkSnapshot(s, this.config, below);
    // First: a key that does not import refuses the snapshot before anything changed.
    await this.keys.restore(s.keys ?? []).catch((err: unknown) => {
      throw new SnapshotRefused(`its signing keys do not import (${err instanceof Error ? err.message : String(err)})`);
    });
    this.clock.restore(s.clockOffsetSeconds);
    await this.store.load(s.store);
    this.faults.restore(s.faults);
    this.stepUp.restore(s.stepUp);
    this.current = policy;
    this.active = { ...profile };
    this.control = structuredClone(s.policy);
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

  /** Drops what has expired from the store, and consent pages past their time. */
  sweep(): Promise<void> {
    this.consents.sweep(this.clock.now());
    return this.store.sweep();
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    // A closed realm grades nothing more: its card lets go of the event log (no subscriber left behind).
    this.report.detach();
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
