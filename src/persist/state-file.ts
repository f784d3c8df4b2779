import { constants } from 'node:fs';
import { access, open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SnapshotRefused, type RealmSnapshot } from '../realm-snapshot.js';
import type { Realm } from '../realm.js';
import { readState, STATE_FORMAT, STATE_VERSION, StateFileError } from './read-state.js';

export { STATE_FORMAT, STATE_VERSION, StateFileError } from './read-state.js';

/**
 * A change is written at most this long after it was made (then the write itself): all a `kill -9`
 * can lose. Changes within the window join one write, so a busy server writes ~4 times a second.
 */
export const WRITE_WINDOW_MS = 250;
/**
 * A write serializes everything kept (200,000 tokens: ~50 MB, ~0.7 s of the event loop), so the window
 * is at least this many times the last write: writing takes at most a fifth of a busy server's time.
 */
export const WRITE_WINDOW_FACTOR = 4;
/** The id of the realm every server starts with, in the file's `realms` map. */
export const DEFAULT_REALM = 'default';
/** What a file that cannot be restored does at startup: stop with one line, or move it aside and start fresh. */
export type OnCorrupt = 'stop' | 'move';

/**
 * A `kill -9` during a write leaves `<file>.tmp-<pid>` (the file itself is whole): a copy of the
 * secrets nobody will rename. Those of processes no longer running go at the next start.
 */
async function removeLeftovers(path: string): Promise<void> {
  const prefix = `${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.slice(prefix.length));
    if (!name.startsWith(prefix) || !Number.isSafeInteger(pid) || pid <= 0 || running(pid)) continue;
    await unlink(join(dirname(path), name)).catch(() => {});
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const SWITCH = 'start with --state-file-on-corrupt move (STATE_FILE_ON_CORRUPT=move) to move it aside and start fresh';

/**
 * STATE_FILE: the realms' state kept in one JSON file across restarts. Read once at startup (a file
 * that cannot be restored stops startup, or with `move` is renamed `<file>.corrupt-<time>`: never
 * silently overwritten); written after every change, debounced by WRITE_WINDOW_MS, whole and atomically
 * (`<file>.tmp-<pid>`, then a rename), mode 0600 (it holds secrets); flushed by `close()`. The file is
 * a map of realm id → RealmSnapshot, so a realm added later is one more entry. One process per file.
 */
export class StateFile {
  /** Realms read from the file and not (yet) attached: written back as they were. */
  private readonly saved = new Map<string, RealmSnapshot>();
  private readonly attached = new Map<string, { realm: Realm; stop: () => void }>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failing = false;
  private closed = false;
  /** How long the last write took, ms (WRITE_WINDOW_FACTOR). */
  private lastWriteMs = 0;
  /** What startup found, in one line for the console. */
  summary: string;

  private constructor(
    readonly path: string,
    private readonly onCorrupt: OnCorrupt,
    private readonly notice: (line: string) => void,
  ) {
    this.summary = `[state] ${path} does not exist yet: it is written ${WRITE_WINDOW_MS} ms after the first change`;
  }

  /** Reads and checks the file; a missing one is a fresh start. Throws StateFileError (with `stop`). */
  static async open(path: string, options: { onCorrupt?: OnCorrupt; notice?: (line: string) => void } = {}): Promise<StateFile> {
    const file = new StateFile(path, options.onCorrupt ?? 'stop', options.notice ?? (() => {}));
    await file.read();
    try {
      await access(dirname(path), constants.W_OK);
    } catch (err) {
      throw new StateFileError(`cannot write STATE_FILE ${path}: its directory ${dirname(path)} is not writable (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
    await removeLeftovers(path);
    return file;
  }

  /**
   * Gives the realm `id` what the file kept of it (if anything), then writes on its every change (its
   * events: each request and each control call is one). A snapshot the realm refuses (more records
   * than its caps) is a bad file like any other.
   */
  async attach(id: string, realm: Realm): Promise<void> {
    const kept = this.saved.get(id);
    if (kept) {
      try {
        await realm.restore(kept);
      } catch (err) {
        if (!(err instanceof SnapshotRefused)) throw err;
        await this.bad(`cannot be restored: realm ${JSON.stringify(id)}: ${err.message}`);
      }
      this.saved.delete(id);
    }
    this.attached.set(id, { realm, stop: realm.events.subscribe(() => this.changed()) });
  }

  /** Ids of the realms the file kept that no server attached yet: the created realms to make again. */
  get kept(): string[] {
    return [...this.saved.keys()];
  }

  /** How the kept realm `id` was created (its policy and TTL), to create it again alike. */
  creationOf(id: string): RealmSnapshot['created'] {
    return this.saved.get(id)?.created;
  }

  /** Stops following the realm `id` and drops it from the file (a realm that ended). */
  detach(id: string): void {
    this.attached.get(id)?.stop();
    this.attached.delete(id);
    this.saved.delete(id);
    this.changed();
  }

  /** How long after a change it is written now: WRITE_WINDOW_MS, longer while writes are long. */
  get windowMs(): number {
    return Math.max(WRITE_WINDOW_MS, Math.ceil(WRITE_WINDOW_FACTOR * this.lastWriteMs));
  }

  /** Something changed: written within `windowMs` (a change already waiting takes this one along). */
  changed(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writing = this.writing.then(() => this.write());
    }, this.windowMs);
    this.timer.unref();
  }

  /** Writes now what is waiting, and resolves once every write has ended. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.writing = this.writing.then(() => this.write());
    }
    await this.writing;
  }

  /** Stops following the realms and writes what is waiting (server close, SIGTERM, SIGINT). */
  async close(): Promise<void> {
    for (const { stop } of this.attached.values()) stop();
    this.closed = true;
    await this.flush();
  }

  private async read(): Promise<void> {
    const found = await readState(this.path);
    if (found.kind === 'missing') return;
    if (found.kind === 'bad') return this.bad(found.what);
    for (const [id, s] of found.realms) this.saved.set(id, s);
    const d = found.realms.get(DEFAULT_REALM)?.store;
    const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
    const held = d ? `: ${n(d.clients.length, 'client')}, ${n(d.records.access.length, 'access token')}, ${n(d.records.refresh.length, 'refresh token')}` : '';
    this.summary = `[state] restored from ${this.path} (saved ${found.savedAt}${held}); changes are written within ${WRITE_WINDOW_MS} ms`;
  }

  /** A file startup cannot use: stop, naming it and the way out; or (`move`) rename it and start fresh. */
  private async bad(what: string): Promise<void> {
    if (this.onCorrupt === 'stop') throw new StateFileError(`STATE_FILE ${this.path} ${what}. Nothing was changed: fix or remove it, or ${SWITCH}`);
    const aside = `${this.path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(this.path, aside);
    } catch (err) {
      throw new StateFileError(`STATE_FILE ${this.path} ${what}, and it cannot be moved aside to ${aside} (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
    this.saved.clear();
    this.summary = `[state] ${this.path} ${what}: moved aside to ${aside}; starting fresh`;
  }

  /** Never rejects (it runs from a timer): a failure is one [warn] line until a write succeeds again. */
  private async write(): Promise<void> {
    const started = performance.now();
    try {
      await this.writeWhole();
      if (this.failing) this.notice(`[state] ${this.path} written again`);
      this.failing = false;
    } catch (err) {
      // Once per run of failures: a full disk must not print four lines a second.
      if (!this.failing) this.notice(`[warn] cannot write STATE_FILE ${this.path} (${(err as NodeJS.ErrnoException).code ?? err}): changes since the last write live only in memory until a write succeeds`);
      this.failing = true;
    } finally {
      this.lastWriteMs = performance.now() - started;
    }
  }

  private async writeWhole(): Promise<void> {
    const realms: Record<string, RealmSnapshot> = Object.fromEntries(this.saved);
    for (const [id, { realm }] of this.attached) realms[id] = await realm.snapshot();
    const text = `${JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, savedAt: new Date().toISOString(), realms })}\n`;
    // Whole or not at all: a reader (or a crash) never sees half a file, only the old one or the new.
    const tmp = `${this.path}.tmp-${process.pid}`;
    try {
      const handle = await open(tmp, 'w', 0o600);
      try {
        // A leftover of an earlier process with this pid keeps its mode on open: make it ours.
        await handle.chmod(0o600);
        await handle.writeFile(text);
      } finally {
        await handle.close();
      }
      await rename(tmp, this.path);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
  }
}
