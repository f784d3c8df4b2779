import type { Hono } from 'hono';
import { afterEach, beforeEach } from 'vitest';
import { createAuthServer, startServers, type RunningServers, type StartOptions } from '../../src/server.js';
import type { AppEnv } from '../../src/pipeline/env.js';
import type { Realm } from '../../src/realm.js';

export const ISSUER = 'http://localhost:9100';
/** The realm's protected resource when nothing else is asked for (mcpBaseUrl default + /mcp). */
export const RESOURCE = 'http://localhost:9101/mcp';

/** An authorization server answering in process, no socket. */
export interface AS {
  app: Hono<AppEnv>;
  realm: Realm;
  /** `app.request` with a path or URL. */
  req(path: string, init?: RequestInit): Promise<Response>;
}

/** A fresh authorization server over its own realm; call `realm.close()` when done. */
export function makeAS(options: StartOptions = {}): AS {
  const { app, realm } = createAuthServer({ oauthBaseUrl: ISSUER, mcpBaseUrl: 'http://localhost:9101', ...options });
  return { app, realm, req: async (path, init) => app.request(path, init) };
}

/**
 * A fresh authorization server for each test of the enclosing describe (or file): registers the
 * beforeEach that makes it and the afterEach that closes its realm. The object answers for the
 * current test's server, so `as.req(...)` and `as.realm` read as with `makeAS()`.
 */
export function freshAS(options: StartOptions = {}): AS {
  let current: AS | undefined;
  beforeEach(() => {
    current = makeAS(options);
  });
  afterEach(() => {
    current?.realm.close();
    current = undefined;
  });
  const now = (): AS => {
    if (!current) throw new Error('freshAS(): the server exists only while a test runs');
    return current;
  };
  return {
    get app() {
      return now().app;
    },
    get realm() {
      return now().realm;
    },
    req: (path, init) => now().req(path, init),
  };
}

/** Both servers on 127.0.0.1, ephemeral ports, one shared realm. */
export function start(options: StartOptions = {}): Promise<RunningServers> {
  return startServers({ host: '127.0.0.1', oauthPort: 0, mcpPort: 0, ...options });
}

/** Origin of the MCP server (its control plane lives there, not under /mcp). */
export const rsBase = (s: RunningServers): string => new URL(s.mcpUrl).origin;
