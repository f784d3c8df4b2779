import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A STATE_FILE path in a directory of its own (nothing written there yet). */
export function stateFilePath(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mots-state-'));
  return { dir, file: join(dir, 'state.json') };
}

/** The file as JSON, or undefined while it does not exist. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function readState(file: string): { format: string; version: number; savedAt: string; realms: Record<string, any> } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Permission bits of a file, e.g. 0o600. */
export const modeOf = (file: string): number => statSync(file).mode & 0o777;

/** Every name in the directory, sorted. */
export const filesIn = (dir: string): string[] => readdirSync(dir).sort();
