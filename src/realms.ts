import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { MAX_REALM_TTL_SECONDS } from './config.js';
import type { LogSink } from './events.js';
import { PolicyPatchSchema, type PolicyPatch } from './policy.js';
import { PERSONA_NAMES, type PersonaName } from './profiles/personas.js';
import { SPEC_VERSIONS, type SpecVersion } from './profiles/spec-presets.js';
import { Realm, SWEEP_INTERVAL_MS } from './realm.js';
import { realmBase } from './urls.js';

/** A realm id: what `/r/<id>` may carry, in every URL of the realm unescaped. */
export const REALM_ID = /^[a-z0-9-]{1,64}$/;
/** The default realm's name where realms are named together (STATE_FILE's map, persist's DEFAULT_REALM): no created realm has it. */
export const MAIN_REALM_ID = 'default';

/** The body of POST /control/realms (and `servers.createRealm()`): everything optional. */
export const RealmSpecSchema = z
  .object({
    id: z
      .string()
      .regex(REALM_ID, 'a realm id is 1 to 64 of a-z, 0-9 and -')
      .refine((id) => id !== MAIN_REALM_ID, `${MAIN_REALM_ID} is the default realm's name`)
      .optional(),
    policy: PolicyPatchSchema.optional(),
    ttlSeconds: z.number().int().min(1).max(MAX_REALM_TTL_SECONDS).optional(),
    /** The spec preset and persona the realm starts with (and returns to at reset), instead of SPEC_VERSION and PERSONA. */
    spec: z.enum(SPEC_VERSIONS).optional(),
    persona: z.enum(PERSONA_NAMES).nullable().optional(),
  })
  .strict();
export type RealmSpec = { id?: string; policy?: PolicyPatch; ttlSeconds?: number; spec?: SpecVersion; persona?: PersonaName | null };

/** What GET /control/realms shows of one realm, and what creating it answers. */
export interface RealmInfo {
  id: string;
  issuer: string;
  mcpUrl: string;
  /** The realm's control plane on the authorization server (`<issuer>/control`); `<mcp base>/r/<id>/control` on the MCP server. */
  controlUrl: string;
  ttlSeconds: number;
  /** Seconds since its last request (or its creation). */
  idleSeconds: number;
}

export class RealmExists extends Error {
  override name = 'RealmExists';
}
export class RealmsFull extends Error {
  override name = 'RealmsFull';
}

export interface RealmsOptions {
  /** MAX_REALMS. */
  max: number;
  /** REALM_TTL_SECONDS: idle lifetime of a realm created without `ttlSeconds`. */
  ttlSeconds: number;
  /** Wall-clock milliseconds. Idleness is real time, not a realm's clock: advancing one must not end it. */
  now?: () => number;
  log?: LogSink;
  /** Before a created realm serves (STATE_FILE restores and follows it); a throw undoes the creation. */
  onCreated?: (id: string, realm: Realm) => Promise<void>;
  /** A realm was deleted or ended idle (not at `close()`: the server stopping ends no realm's record). */
  onEnded?: (id: string) => void;
}

interface Entry {
  realm: Realm;
  ttlMs: number;
  lastUsed: number;
}

/**
 * The default realm and the realms created beside it, each under `/r/<id>` on the same two ports.
 * Created realms have no timer of their own: one timer sweeps every store and ends the realms idle
 * past their TTL (a lookup ends an expired one too, so no request reaches it between two sweeps).
 */
export class RealmRegistry {
  private readonly realms = new Map<string, Entry>();
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(
    /** The realm at the root of both servers: the original contract, never listed, never expired. */
    readonly main: Realm,
    private readonly options: RealmsOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  get size(): number {
    return this.realms.size;
  }

  get max(): number {
    return this.options.max;
  }

  /**
   * A new realm: the main realm's configuration under `/r/<id>`, the policy changed by `spec.policy`.
   * Throws RealmExists, RealmsFull, or a ZodError for a policy refused as a whole; then nothing is kept.
   */
  async create(spec: RealmSpec = {}): Promise<{ id: string; realm: Realm }> {
    const parsed = RealmSpecSchema.parse(spec);
    this.expireIdle();
    const id = parsed.id ?? this.freshId();
    if (this.realms.has(id)) throw new RealmExists(`a realm ${id} exists already; DELETE /control/realms/${id} ends it`);
    if (this.realms.size >= this.options.max) {
      throw new RealmsFull(`${this.options.max} realms exist (MAX_REALMS); DELETE /control/realms/<id> ends one, idle ones end after their ttlSeconds`);
    }
    const base = this.main.config;
    const config = { ...base, oauthBaseUrl: realmBase(base.oauthBaseUrl, id), mcpBaseUrl: realmBase(base.mcpBaseUrl, id) };
    const realm = new Realm(config, this.options.log, undefined, { ownSweeper: false, policy: parsed.policy, ttlSeconds: parsed.ttlSeconds, profile: { spec: parsed.spec, persona: parsed.persona } });
    // Another creation of the same id may have finished while this one awaited its seed.
    await realm.ready;
    if (this.realms.has(id) || this.realms.size >= this.options.max) {
      realm.close();
      return this.create(spec);
    }
    // Kept before the hook runs, so no second creation of the id can start meanwhile.
    this.realms.set(id, { realm, ttlMs: (parsed.ttlSeconds ?? this.options.ttlSeconds) * 1000, lastUsed: this.now() });
    try {
      await this.options.onCreated?.(id, realm);
    } catch (err) {
      this.realms.delete(id);
      realm.close();
      throw err;
    }
    return { id, realm };
  }

  /** The realm `id` for a request to it (which keeps it alive), or undefined (unknown, or just expired). */
  get(id: string): Realm | undefined {
    const entry = this.realms.get(id);
    if (entry === undefined) return undefined;
    const now = this.now();
    if (now - entry.lastUsed > entry.ttlMs) {
      this.end(id, entry);
      return undefined;
    }
    entry.lastUsed = now;
    return entry.realm;
  }

  info(id: string): RealmInfo | undefined {
    const e = this.realms.get(id);
    if (!e) return undefined;
    const urls = e.realm.urls;
    return { id, issuer: urls.issuer, mcpUrl: urls.resource, controlUrl: `${urls.issuer}/control`, ttlSeconds: e.ttlMs / 1000, idleSeconds: Math.floor((this.now() - e.lastUsed) / 1000) };
  }

  list(): RealmInfo[] {
    this.expireIdle();
    return [...this.realms.keys()].map((id) => this.info(id)!);
  }

  /** Ends a realm: its tokens, clients and switches are gone. False when there is none of that id. */
  delete(id: string): boolean {
    const entry = this.realms.get(id);
    if (!entry) return false;
    this.end(id, entry);
    return true;
  }

  /** What the one timer does: drops expired records of every realm's store, and the realms idle past their TTL. */
  async sweep(): Promise<void> {
    this.expireIdle();
    for (const { realm } of this.realms.values()) await realm.sweep();
  }

  /** Ends every created realm and stops the timer (the main realm belongs to whoever made it). */
  close(): void {
    clearInterval(this.timer);
    for (const entry of this.realms.values()) entry.realm.close();
    this.realms.clear();
  }

  private expireIdle(): void {
    const now = this.now();
    for (const [id, entry] of this.realms) if (now - entry.lastUsed > entry.ttlMs) this.end(id, entry);
  }

  private end(id: string, entry: Entry): void {
    this.realms.delete(id);
    entry.realm.close();
    this.options.onEnded?.(id);
  }

  /** 12 hex digits (48 bits): a collision among MAX_REALMS ids is not worth a retry loop, but is checked anyway. */
  private freshId(): string {
    let id: string;
    do id = randomBytes(6).toString('hex');
    while (this.realms.has(id));
    return id;
  }
}
