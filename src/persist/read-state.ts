import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { StartupError } from '../http/listen.js';
import { RealmSnapshotSchema, type RealmSnapshot } from '../realm-snapshot.js';

export const STATE_FORMAT = 'mcp-oauth-test-server/state';
/** Bumped when a file of this version could not be read as the next one expects. */
export const STATE_VERSION = 1;
/** Realms one file holds at most. */
export const MAX_SAVED_REALMS = 10_000;

/** A state file startup cannot use: the CLI prints its one line (a StartupError by name). */
export class StateFileError extends StartupError {}

/** What a STATE_FILE holds: nothing yet, what could not be restored (in words), or each realm's snapshot. */
export type StateRead = { kind: 'missing' } | { kind: 'bad'; what: string } | { kind: 'read'; savedAt: string; realms: Map<string, RealmSnapshot> };

const EnvelopeSchema = z.object({
  format: z.literal(STATE_FORMAT),
  version: z.number().int().min(1),
  savedAt: z.string(),
  realms: z.record(z.string().min(1).max(256), z.unknown()).refine((r) => Object.keys(r).length <= MAX_SAVED_REALMS, `at most ${MAX_SAVED_REALMS} realms`),
});

/** `realms.default.store.records.access.3.1.expiresAt: expected number` — the first thing wrong, where. */
function firstIssue(err: z.ZodError, prefix: string): string {
  const issue = err.issues[0]!;
  return `${[prefix, ...issue.path.map(String)].join('.')}: ${issue.message}`;
}

/** A quoted bit of a parser's message stays one short line. */
const brief = (s: string): string => s.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, ' ').slice(0, 160);

/**
 * Reads and checks a state file, zod at this edge once (the realm trusts a snapshot it is given).
 * Only a file that cannot be read at all throws (StateFileError); a bad one is answered `bad`, for
 * the caller to refuse or move aside.
 */
export async function readState(path: string): Promise<StateRead> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    throw new StateFileError(`cannot read STATE_FILE ${path} (${code ?? err})`);
  }
  const bad = (what: string): StateRead => ({ kind: 'bad', what });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return bad(`is not valid JSON (${brief((err as Error).message)})`);
  }
  const head = (typeof json === 'object' && json !== null ? json : {}) as { format?: unknown; version?: unknown };
  if (head.format !== STATE_FORMAT) return bad(`is not a state file of mcp-oauth-test-server (its "format" is ${brief(JSON.stringify(head.format) ?? 'missing')}, not "${STATE_FORMAT}")`);
  // Before the shape: a newer version may have another one, and "newer" is what the user needs to hear.
  if (typeof head.version === 'number' && head.version > STATE_VERSION) {
    return bad(`was written by a newer mcp-oauth-test-server (state format version ${head.version}; this one reads version ${STATE_VERSION})`);
  }
  const envelope = EnvelopeSchema.safeParse(json);
  if (!envelope.success) return bad(`is damaged (${brief(firstIssue(envelope.error, '$'))})`);
  const realms = new Map<string, RealmSnapshot>();
  for (const [id, raw] of Object.entries(envelope.data.realms)) {
    const s = RealmSnapshotSchema.safeParse(raw);
    if (!s.success) return bad(`is damaged (${brief(firstIssue(s.error, `realms.${id}`))})`);
    realms.set(id, s.data);
  }
  return { kind: 'read', savedAt: envelope.data.savedAt, realms };
}
