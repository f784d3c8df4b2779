import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';
import { SIGNING_ALGS, type SigningAlg } from './policy.js';
import { randomToken } from './secrets.js';

/**
 * Keys a realm's JWKS holds at most (signing, next and retiring ones): rotating faster than the
 * grace period lets retiring keys pile up, and every resource server downloads the whole set.
 */
export const MAX_KEYS = 8;

/** Where a key is in its life (GET /control/keys): published before it signs, kept after for its tokens. */
export type KeyState = 'next' | 'signing' | 'retiring';

/** One key as the realm keeps it; times are milliseconds on the realm clock. */
interface KeyEntry {
  kid: string;
  alg: SigningAlg;
  privateJwk: JWK;
  createdAt: number;
  /** From when it signs: before that it is only published (`next`). */
  signsFrom: number;
  /** When the next key took over: from then it only verifies (`retiring`). */
  retiresAt?: number;
  /** When it leaves the JWKS: `retiresAt` plus the grace period. */
  removedAt?: number;
}

/** A rotation the ring cannot take: nothing changed. `status` is the control answer's. */
export class RotationRefused extends Error {
  override name = 'RotationRefused';
  constructor(
    message: string,
    readonly status: 409 | 429,
  ) {
    super(message);
  }
}

const Time = z.number().int().min(0);
const PrivateJwk = z.looseObject({ kty: z.enum(['RSA', 'EC']), d: z.string().max(4096) }).refine((j) => JSON.stringify(j).length <= 16_384, 'a key of at most 16 KiB');

/** The keys as a state file keeps them (private parts included: the file is mode 0600). */
export const KeysSnapshotSchema = z
  .array(
    z
      .object({ kid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), alg: z.enum(SIGNING_ALGS), privateJwk: PrivateJwk, createdAt: Time, signsFrom: Time, retiresAt: Time.optional(), removedAt: Time.optional() })
      .strict(),
  )
  .max(MAX_KEYS)
  .refine((a) => new Set(a.map((k) => k.kid)).size === a.length, 'two keys with one kid');
export type KeysSnapshot = z.infer<typeof KeysSnapshotSchema>;

/** What a key may publish (RFC 7517 §4, RFC 7518 §6): the public members of its kty only. */
const PUBLIC_MEMBERS = { RSA: ['kty', 'n', 'e'], EC: ['kty', 'crv', 'x', 'y'] } as const;

function publicOf(k: KeyEntry): JWK {
  const members: readonly string[] = PUBLIC_MEMBERS[k.privateJwk.kty as 'RSA' | 'EC'];
  const jwk = k.privateJwk as Record<string, unknown>;
  const pub: Record<string, unknown> = Object.fromEntries(members.map((m) => [m, jwk[m]]));
  return { ...pub, kid: k.kid, alg: k.alg, use: 'sig' } as JWK;
}

function stateAt(k: KeyEntry, now: number): KeyState | 'removed' {
  if (now < k.signsFrom) return 'next';
  if (k.retiresAt === undefined || now < k.retiresAt) return 'signing';
  return k.removedAt !== undefined && now >= k.removedAt ? 'removed' : 'retiring';
}

async function makeKey(alg: SigningAlg, now: number, signsFrom: number): Promise<{ entry: KeyEntry; key: CryptoKey }> {
  // Extractable, so a state file can keep it across a restart.
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const entry: KeyEntry = { kid: randomToken('', 12), alg, privateJwk: await exportJWK(privateKey), createdAt: now, signsFrom };
  return { entry, key: privateKey };
}

/**
 * A realm's signing keys (RFC 9068 §4: the resource server verifies with the AS's published keys).
 * Made at first use, not with the realm: an RSA key costs tens of milliseconds, and most realms never
 * mint a JWT. Rotation publishes the new key `publishAheadSeconds` before it signs and keeps the old
 * one `graceSeconds` after, all on the realm clock, so `POST /control/clock` walks the timeline.
 */
export class KeyRing {
  private keys: KeyEntry[] = [];
  /** Imported private keys by kid: importing on every /token would cost more than signing. */
  private readonly imported = new Map<string, CryptoKey>();
  private first: Promise<void> | undefined;
  /** A key no JWKS of this realm ever holds (the unknown-kid fault), made once when first needed. */
  private rogue: Promise<{ kid: string; alg: SigningAlg; key: CryptoKey }> | undefined;
  /** Bumped by `clear`: a key made for an earlier life of the ring is dropped. */
  private life = 0;

  constructor(private readonly now: () => number) {}

  /** The key that signs now, made first when the realm has none. */
  async signer(alg: SigningAlg): Promise<{ kid: string; alg: SigningAlg; key: CryptoKey }> {
    await this.ensure(alg);
    const now = this.now();
    // Exactly one key signs at any instant: a rotation retires the old key when the new one starts.
    const k = this.keys.find((e) => stateAt(e, now) === 'signing')!;
    let key = this.imported.get(k.kid);
    if (!key) this.imported.set(k.kid, (key = (await importJWK(k.privateJwk, k.alg)) as CryptoKey));
    return { kid: k.kid, alg: k.alg, key };
  }

  /** A signing key whose kid is in no JWKS of this realm. */
  foreignSigner(alg: SigningAlg): Promise<{ kid: string; alg: SigningAlg; key: CryptoKey }> {
    return (this.rogue ??= makeKey(alg, 0, 0).then(({ entry, key }) => ({ kid: `unpublished-${entry.kid}`, alg, key })));
  }

  /** The RFC 7517 set: every key but the removed ones; `stale` leaves out the newest (the JWKS fault). */
  async jwks(alg: SigningAlg, stale = false): Promise<{ keys: JWK[] }> {
    await this.ensure(alg);
    const live = this.live();
    const shown = stale ? live.filter((k) => k !== live.at(-1)) : live;
    return { keys: shown.map(publicOf) };
  }

  /** Each key's state and times, for GET /control/keys. */
  async view(alg: SigningAlg): Promise<Array<{ kid: string; alg: SigningAlg; state: KeyState; createdAt: string; signsFrom: string; retiresAt?: string; removedAt?: string }>> {
    await this.ensure(alg);
    const now = this.now();
    const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
    return this.live().map((k) => ({
      kid: k.kid,
      alg: k.alg,
      state: stateAt(k, now) as KeyState,
      createdAt: iso(k.createdAt)!,
      signsFrom: iso(k.signsFrom)!,
      ...(k.retiresAt !== undefined && { retiresAt: iso(k.retiresAt), removedAt: iso(k.removedAt) }),
    }));
  }

  /**
   * Publishes a new key that signs `publishAheadSeconds` from now; the key signing until then
   * retires at that instant and leaves the set `graceSeconds` later. One rotation at a time: a key
   * still waiting to sign refuses another (409), a full ring too (429).
   */
  async rotate(alg: SigningAlg, publishAheadSeconds: number, graceSeconds: number): Promise<string> {
    await this.ensure(alg);
    const life = this.life;
    this.check();
    const now = this.now();
    const made = await makeKey(alg, now, now + publishAheadSeconds * 1000);
    // Another rotation (or a reset) finished while this key was made.
    if (life !== this.life) throw new RotationRefused('the realm was reset while the key was made; rotate again', 409);
    this.check();
    const { entry } = made;
    for (const k of this.keys) {
      if (k.retiresAt === undefined) {
        k.retiresAt = entry.signsFrom;
        k.removedAt = entry.signsFrom + graceSeconds * 1000;
      }
    }
    this.keys.push(entry);
    this.imported.set(entry.kid, made.key);
    return entry.kid;
  }

  /** Back to no key at all (a reset): the next use makes a fresh one. */
  clear(): void {
    this.life++;
    this.keys = [];
    this.imported.clear();
    this.first = undefined;
  }

  snapshot(): KeysSnapshot {
    return this.keys.map((k) => structuredClone(k) as KeysSnapshot[number]);
  }

  /** Takes a state file's keys (KeysSnapshotSchema-checked); throws when a key does not import. */
  async restore(s: KeysSnapshot): Promise<void> {
    const imported = new Map<string, CryptoKey>();
    for (const k of s) imported.set(k.kid, (await importJWK(k.privateJwk, k.alg)) as CryptoKey);
    this.clear();
    this.keys = s.map((k) => structuredClone(k) as KeyEntry);
    for (const [kid, key] of imported) this.imported.set(kid, key);
  }

  /** Every key not yet removed, oldest first; removed ones are dropped here. */
  private live(): KeyEntry[] {
    const now = this.now();
    const kept = this.keys.filter((k) => stateAt(k, now) !== 'removed');
    if (kept.length !== this.keys.length) {
      for (const k of this.keys) if (!kept.includes(k)) this.imported.delete(k.kid);
      this.keys = kept;
    }
    return kept;
  }

  private check(): void {
    const now = this.now();
    const waiting = this.live().find((k) => stateAt(k, now) === 'next');
    if (waiting) throw new RotationRefused(`key ${waiting.kid} is published and signs from ${new Date(waiting.signsFrom).toISOString()}: one rotation at a time (POST /control/clock to move there)`, 409);
    if (this.keys.length >= MAX_KEYS) throw new RotationRefused(`the JWKS holds ${MAX_KEYS} keys (MAX_KEYS): wait until retiring keys leave it (keyGraceSeconds), or POST /control/reset`, 429);
  }

  private ensure(alg: SigningAlg): Promise<void> {
    if (this.keys.length > 0) return Promise.resolve();
    const life = this.life;
    return (this.first ??= (async () => {
      const now = this.now();
      const { entry, key } = await makeKey(alg, now, now);
      if (life !== this.life || this.keys.length > 0) return;
      this.keys.push(entry);
      this.imported.set(entry.kid, key);
    })().finally(() => {
      this.first = undefined;
    }));
  }
}
