import type { AccessRecord, ClientRecord, CodeRecord, RefreshRecord } from './types.js';

interface Grant {
  access: Set<string>;
  refresh: Set<string>;
}

/** How long a rotated refresh token is remembered, so that its reuse still revokes the family. */
const ROTATED_MEMORY_MS = 24 * 3600 * 1000;

/**
 * All OAuth state of one realm, in memory. Single-use and family rules are one call each
 * (`consumeCode`, `revokeGrant`); JavaScript's single thread makes each call atomic.
 */
export class MemoryStore {
  readonly clients = new Map<string, ClientRecord>();
  private readonly codes = new Map<string, CodeRecord>();
  /** Redeemed codes, remembered until they would have expired, to detect replay (OAuth 2.1 §4.1.3). */
  private readonly usedCodes = new Map<string, { grantId: string; expiresAt: number }>();
  readonly accessTokens = new Map<string, AccessRecord>();
  readonly refreshTokens = new Map<string, RefreshRecord>();
  private readonly grants = new Map<string, Grant>();

  constructor(private readonly now: () => number) {}

  saveCode(code: string, record: CodeRecord): void {
    this.codes.set(code, record);
  }

  /**
   * Takes a code out for good. `replayOf` is set when the code was already redeemed: the caller must
   * then revoke that grant.
   */
  consumeCode(code: string): { record?: CodeRecord; replayOf?: string; expired?: boolean } {
    const record = this.codes.get(code);
    if (record) {
      this.codes.delete(code);
      if (record.expiresAt <= this.now()) return { expired: true };
      this.usedCodes.set(code, { grantId: record.grantId, expiresAt: record.expiresAt });
      return { record };
    }
    const used = this.usedCodes.get(code);
    if (used && used.expiresAt > this.now()) return { replayOf: used.grantId };
    return {};
  }

  saveAccess(token: string, record: AccessRecord): void {
    this.accessTokens.set(token, record);
    this.grant(record.grantId).access.add(token);
  }

  saveRefresh(token: string, record: RefreshRecord): void {
    this.refreshTokens.set(token, record);
    this.grant(record.grantId).refresh.add(token);
  }

  /** A live access token, or undefined when unknown, revoked or expired. */
  findAccess(token: string): AccessRecord | undefined {
    const r = this.accessTokens.get(token);
    if (!r) return undefined;
    if (r.expiresAt <= this.now()) return undefined;
    return r;
  }

  findRefresh(token: string): RefreshRecord | undefined {
    return this.refreshTokens.get(token);
  }

  /** Marks a refresh token as rotated: it stays known (for reuse detection) but no longer works. */
  retireRefresh(token: string): void {
    const r = this.refreshTokens.get(token);
    if (r) {
      r.rotated = true;
      r.expiresAt = this.now() + ROTATED_MEMORY_MS;
    }
  }

  revokeAccess(token: string): boolean {
    const r = this.accessTokens.get(token);
    if (!r) return false;
    this.accessTokens.delete(token);
    this.grants.get(r.grantId)?.access.delete(token);
    return true;
  }

  /** Revokes every token of a grant: a refresh family with its access tokens. */
  revokeGrant(grantId: string): number {
    const g = this.grants.get(grantId);
    if (!g) return 0;
    for (const t of g.access) this.accessTokens.delete(t);
    for (const t of g.refresh) this.refreshTokens.delete(t);
    this.grants.delete(grantId);
    return g.access.size + g.refresh.size;
  }

  /** Kills every access token (the revoke-access switch); refresh tokens live on. */
  revokeAllAccess(): number {
    const n = this.accessTokens.size;
    this.accessTokens.clear();
    for (const g of this.grants.values()) g.access.clear();
    return n;
  }

  /** Drops what has expired: codes, access tokens, remembered rotated refresh tokens. */
  sweep(): void {
    const now = this.now();
    for (const [k, v] of this.codes) if (v.expiresAt <= now) this.codes.delete(k);
    for (const [k, v] of this.usedCodes) if (v.expiresAt <= now) this.usedCodes.delete(k);
    for (const [k, v] of this.accessTokens) {
      if (v.expiresAt <= now) {
        this.accessTokens.delete(k);
        this.dropFromGrant(v.grantId, k, 'access');
      }
    }
    for (const [k, v] of this.refreshTokens) {
      if (v.expiresAt !== undefined && v.expiresAt <= now) {
        this.refreshTokens.delete(k);
        this.dropFromGrant(v.grantId, k, 'refresh');
      }
    }
  }

  clear(): void {
    this.clients.clear();
    this.codes.clear();
    this.usedCodes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.grants.clear();
  }

  liveRefreshTokens(): Array<[string, RefreshRecord]> {
    return [...this.refreshTokens].filter(([, r]) => !r.rotated);
  }

  get counts(): { clients: number; codes: number; accessTokens: number; refreshTokens: number } {
    const now = this.now();
    let access = 0;
    for (const r of this.accessTokens.values()) if (r.expiresAt > now) access++;
    let refresh = 0;
    for (const r of this.refreshTokens.values()) if (!r.rotated) refresh++;
    return { clients: this.clients.size, codes: this.codes.size, accessTokens: access, refreshTokens: refresh };
  }

  private grant(id: string): Grant {
    let g = this.grants.get(id);
    if (!g) {
      g = { access: new Set(), refresh: new Set() };
      this.grants.set(id, g);
    }
    return g;
  }

  private dropFromGrant(grantId: string, token: string, kind: 'access' | 'refresh'): void {
    const g = this.grants.get(grantId);
    if (!g) return;
    g[kind].delete(token);
    if (g.access.size === 0 && g.refresh.size === 0) this.grants.delete(grantId);
  }
}
