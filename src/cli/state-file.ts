import { createHash } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Switches } from '../control/state.js';

/** What a running `start` tells later `scenario` calls: where it listens, and how it started. */
export interface ServerRecord {
  pid: number;
  cwd: string;
  oauthUrl: string;
  /** The MCP server's base URL (the endpoint is `<mcpUrl>/mcp`). */
  mcpUrl: string;
  tls: boolean;
  /** The certificate it serves, so `scenario` can trust it over HTTPS. */
  tlsCertFile?: string;
  /** The switches as they were at startup: what `<switch> off` goes back to. */
  startupSwitches: Switches;
  startedAt: string;
}

/**
 * One file per working directory, so `npm start` and `npm run scenario` in the same project find each
 * other whatever ports were bound (port 0 included). $XDG_RUNTIME_DIR when the session has one
 * (private to the user, cleared at logout), else the OS temporary directory.
 */
export function stateFilePath(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.XDG_RUNTIME_DIR || tmpdir();
  return join(dir, `mcp-oauth-test-server-${createHash('sha256').update(cwd).digest('hex').slice(0, 16)}.json`);
}

/** Written whole or not at all: a `scenario` reading at the same moment never sees half a file. */
export function writeServerRecord(record: ServerRecord, path = stateFilePath(record.cwd)): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/** Removes the file if it is still ours: a second `start` in the same directory may have replaced it. */
export function removeServerRecord(pid = process.pid, path = stateFilePath()): void {
  const current = readRecord(path);
  if (current?.pid !== pid) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone: nothing to clean up
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readRecord(path: string): ServerRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as Partial<ServerRecord>;
    if (typeof r.pid !== 'number' || typeof r.oauthUrl !== 'string' || typeof r.mcpUrl !== 'string') return undefined;
    return r as ServerRecord;
  } catch {
    return undefined;
  }
}

/** The record of a server still running; a file left by a killed one (its pid is dead) is ignored. */
export function liveServerRecord(path = stateFilePath()): ServerRecord | undefined {
  const r = readRecord(path);
  return r && alive(r.pid) ? r : undefined;
}
