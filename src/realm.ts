import { advertisedHost, type Config } from './config.js';
import { Clock } from './clock.js';
import { EventLog, type LogSink } from './events.js';
import { AS_ENDPOINTS, Faults, RS_ENDPOINTS } from './control/faults.js';
import { MemoryStore } from './store/memory.js';
import { randomToken } from './secrets.js';

/** A Config whose public URLs are known (after the ports are bound, or given explicitly). */
export type BoundConfig = Config & { oauthBaseUrl: string; mcpBaseUrl: string };

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

const SWEEP_INTERVAL_MS = 10_000;

/**
 * Everything one server instance owns. Handlers reach state only through the realm they were built
 * with, so two instances in one process never share a client, a token or a switch.
 */
export class Realm {
  readonly clock = new Clock();
  readonly store: MemoryStore;
  readonly faults = new Faults();
  readonly events: EventLog;
  counters = freshCounters();
  /** The MCP resource identifier: exactly the URL clients connect to (RFC 9728 §3, RFC 8707). */
  readonly resource: string;
  readonly issuer: string;
  private sweeper: NodeJS.Timeout;

  constructor(
    readonly config: BoundConfig,
    private readonly log?: LogSink,
  ) {
    this.store = new MemoryStore(() => this.clock.now());
    this.events = new EventLog(config.eventCapacity, log);
    this.issuer = config.oauthBaseUrl;
    this.resource = `${config.mcpBaseUrl}/mcp`;
    this.seed();
    this.clock.onAdvance(() => this.store.sweep());
    this.sweeper = setInterval(() => this.store.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  get accessTokenTtl(): number {
    return this.faults.accessTokenTtlSeconds ?? this.config.tokenTtlSeconds;
  }

  /** Makes `token` a refresh token any client may use (SEED_REFRESH_TOKEN, /control/seed-refresh). */
  seedRefresh(token: string): void {
    this.store.saveRefresh(token, {
      clientId: null,
      scope: this.config.scopes,
      resources: [],
      sub: SUBJECT,
      grantId: `seed-${randomToken('', 9)}`,
      iat: this.clock.nowSeconds(),
      rotated: false,
    });
  }

  /** Back to the startup state of the authorization server: clients, tokens, switches, counters. */
  resetAuthServer(): void {
    this.store.clear();
    this.faults.reset(AS_ENDPOINTS);
    this.clock.reset();
    const { mcpRequests, toolCalls } = this.counters;
    this.counters = { ...freshCounters(), mcpRequests, toolCalls };
    this.seed();
  }

  /** Back to the startup state of the MCP server's switches. */
  resetResourceServer(): void {
    this.faults.clear(RS_ENDPOINTS);
    this.counters.mcpRequests = 0;
    this.counters.toolCalls = 0;
  }

  /** An operator-facing line (not an event): printed when logging is on. */
  notice(line: string): void {
    this.log?.(line);
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private seed(): void {
    if (this.config.seedRefreshToken) this.seedRefresh(this.config.seedRefreshToken);
  }
}

/** Fills in base URLs from the ports when they were not configured. */
export function bindConfig(config: Config, ports?: { oauth: number; mcp: number }, tls = false): BoundConfig {
  const scheme = tls ? 'https' : 'http';
  const host = advertisedHost(config.host);
  return {
    ...config,
    oauthBaseUrl: config.oauthBaseUrl ?? `${scheme}://${host}:${ports?.oauth ?? config.oauthPort}`,
    mcpBaseUrl: config.mcpBaseUrl ?? `${scheme}://${host}:${ports?.mcp ?? config.mcpPort}`,
  };
}
