import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import type { ServerEvent } from '../events.js';
import type { Effect, Endpoint, Fault, FaultSpec } from '../faults.js';
import type { KeyState } from '../keys.js';
import type { Policy, PolicyPatch, SigningAlg } from '../policy.js';
import type { RealmInfo, RealmSpec } from '../realms.js';
import type { Profile, ProfileView } from '../profiles/profile.js';
import type { ExamView } from '../report/exam.js';
import type { ControlState } from './state.js';
import type { Check } from '../report/check.js';
import type { Report } from '../report/card.js';
import { bodyFor, SWITCHES, SWITCH_NAMES, type ArgValue, type SwitchName } from './switch-table.js';

export interface ControlClientOptions {
  /** Base URL of the authorization server (its issuer). */
  oauthUrl: string;
  /** Base URL of the MCP server (without /mcp) or its /mcp endpoint. */
  mcpUrl: string;
  /** CONTROL_TOKEN, when the control plane is locked. */
  token?: string;
  /** Extra PEM certificate to trust (the self-signed one from `certs`). */
  ca?: string;
}

export class ControlError extends Error {
  override name = 'ControlError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** GET /control/keys: the realm's signing keys, times on its clock (ISO 8601). */
export interface KeysView {
  jwksUri: string;
  now: string;
  publishAheadSeconds: number;
  graceSeconds: number;
  keys: Array<{ kid: string; alg: SigningAlg; state: KeyState; createdAt: string; signsFrom: string; retiresAt?: string; removedAt?: string }>;
}

export interface FaultsView {
  faults: Fault[];
  endpoints: Endpoint[];
  effects: Record<Effect['kind'], { does: string; breaks: string }>;
}

type SwitchTable = typeof SWITCHES;
/** One method per switch, named and typed by the switch table. */
export type SwitchMethods = {
  [N in SwitchName as SwitchTable[N]['method']]: SwitchTable[N]['arg'] extends 'none' ? () => Promise<ControlState> : (value: ArgValue<SwitchTable[N]['arg']>) => Promise<ControlState>;
};

const isMcpEndpoint = (e: Endpoint) => e === 'mcp' || e === 'resource-metadata';

/**
 * A typed client for both servers' /control planes. Its switch methods (`rotate(on)`,
 * `expiresIn(seconds)`, `force403(on)`, `reset()`…) come from the switch table; a switch served by
 * both servers (reset) is called on the MCP server first, then on the authorization server.
 */
export class ControlClient {
  private readonly oauth: string;
  private readonly mcp: string;

  constructor(private readonly opts: ControlClientOptions) {
    this.oauth = opts.oauthUrl.replace(/\/+$/, '');
    this.mcp = opts.mcpUrl.replace(/\/+$/, '').replace(/\/mcp$/, '');
  }

  state(): Promise<ControlState> {
    return this.call('GET', this.oauth, '/control/state');
  }
  mcpState(): Promise<ControlState> {
    return this.call('GET', this.mcp, '/control/state');
  }
  /** Calls a switch by its control name, e.g. `switch('expires-in', 5)`. */
  async switch<N extends SwitchName>(name: N, value?: ArgValue<SwitchTable[N]['arg']>): Promise<ControlState> {
    const { server, arg } = SWITCHES[name];
    const body = bodyFor(arg, value);
    if (server === 'both') await this.call('POST', this.mcp, `/control/${name}`, body);
    return this.call('POST', server === 'mcp' ? this.mcp : this.oauth, `/control/${name}`, body);
  }
  policy(): Promise<{ policy: Policy }> {
    return this.call('GET', this.oauth, '/control/policy');
  }
  setPolicy(patch: PolicyPatch): Promise<{ policy: Policy }> {
    return this.call('POST', this.oauth, '/control/policy', patch);
  }
  /** GET /control/profile: the spec preset, the persona, the policy and which layer set each value. */
  profile(): Promise<ProfileView> {
    return this.call('GET', this.oauth, '/control/profile');
  }
  /**
   * POST /control/profile on both servers (MCP first, as reset): one realm in one process answers the
   * same, and servers run apart each switch their own (the presets set the MCP server's values too).
   */
  async setProfile(change: { spec?: Profile['spec']; persona?: Profile['persona'] }): Promise<ProfileView> {
    await this.call('POST', this.mcp, '/control/profile', change);
    return this.call('POST', this.oauth, '/control/profile', change);
  }
  addFault(spec: FaultSpec): Promise<Fault> {
    const base = isMcpEndpoint(spec.endpoint) ? this.mcp : this.oauth;
    return this.call<{ fault: Fault }>('POST', base, '/control/faults', spec).then((r) => r.fault);
  }
  /**
   * Faults of both servers. When they share a realm (one process) both answer the same list; when
   * they run apart, each holds its own, and the union is shown (two faults of one id on different
   * endpoints are two faults, held by different servers).
   */
  async faults(): Promise<FaultsView> {
    const [as, rs] = await Promise.all([this.call<FaultsView>('GET', this.oauth, '/control/faults'), this.call<FaultsView>('GET', this.mcp, '/control/faults')]);
    const key = (f: Fault) => `${f.endpoint} ${f.id}`;
    const seen = new Set(as.faults.map(key));
    return { ...as, faults: [...as.faults, ...rs.faults.filter((f) => !seen.has(key(f)))] };
  }
  /** Removes a fault wherever it is held. */
  async removeFault(id: string): Promise<FaultsView> {
    const path = `/control/faults/${encodeURIComponent(id)}`;
    const [as, rs] = await Promise.allSettled([this.call('DELETE', this.oauth, path), this.call('DELETE', this.mcp, path)]);
    const notFound = (r: PromiseSettledResult<unknown>) => r.status === 'rejected' && r.reason instanceof ControlError && r.reason.status === 404;
    for (const r of [as, rs]) if (r.status === 'rejected' && !notFound(r)) throw r.reason;
    if (notFound(as) && notFound(rs)) throw (as as PromiseRejectedResult).reason;
    return this.faults();
  }
  async clearFaults(): Promise<FaultsView> {
    await Promise.all([this.call('DELETE', this.mcp, '/control/faults'), this.call('DELETE', this.oauth, '/control/faults')]);
    return this.faults();
  }
  advanceClock(seconds: number): Promise<{ offsetSeconds: number; now: string }> {
    return this.call('POST', this.oauth, '/control/clock', { advance: seconds });
  }
  /** The signing keys and their states (GET /control/keys on the AS). */
  keys(): Promise<KeysView> {
    return this.call('GET', this.oauth, '/control/keys');
  }
  /** A new signing key, published now and signing `publishAheadSeconds` later (POST /control/keys/rotate). */
  rotateKeys(options: { alg?: SigningAlg; publishAheadSeconds?: number; graceSeconds?: number } = {}): Promise<KeysView> {
    return this.call('POST', this.oauth, '/control/keys/rotate', options);
  }
  events(since = 0, server: 'oauth' | 'mcp' = 'oauth'): Promise<{ events: ServerEvent[]; lastId: number }> {
    return this.call('GET', server === 'oauth' ? this.oauth : this.mcp, `/control/events?since=${since}`);
  }

  /** The report card (GET /control/report): every client's checks. */
  report(): Promise<Report>;
  /** One client's checks, the conformance suite's checks.json array; a ControlError 404 for a client the card does not know. */
  report(clientId: string): Promise<Check[]>;
  report(clientId?: string): Promise<Report | Check[]> {
    return this.call('GET', this.oauth, clientId === undefined ? '/control/report' : `/control/report?client_id=${encodeURIComponent(clientId)}`);
  }
  /** POST /control/exam: arms these probes (a new exam; the one before is disarmed). */
  exam(probes: readonly string[]): Promise<ExamView> {
    return this.call('POST', this.oauth, '/control/exam', { probes });
  }
  /** GET /control/exam: what is armed, struck and graded, and the grades as checks. */
  examResults(): Promise<ExamView> {
    return this.call('GET', this.oauth, '/control/exam');
  }
  /** POST /control/exam/finish: the client is done; grades what is open, disarms what never arose. */
  finishExam(): Promise<ExamView> {
    return this.call('POST', this.oauth, '/control/exam/finish');
  }
  /** DELETE /control/exam: disarms and forgets. */
  endExam(): Promise<ExamView> {
    return this.call('DELETE', this.oauth, '/control/exam');
  }

  /** This client aimed at the realm `id`: every call goes to `/r/<id>/control/...` on either server. */
  realm(id: string): ControlClient {
    return new ControlClient({ ...this.opts, oauthUrl: `${this.oauth}/r/${encodeURIComponent(id)}`, mcpUrl: `${this.mcp}/r/${encodeURIComponent(id)}` });
  }
  /** POST /control/realms; `spec` members are all optional. */
  createRealm(spec: RealmSpec = {}): Promise<RealmInfo> {
    return this.call('POST', this.oauth, '/control/realms', spec);
  }
  realms(): Promise<{ realms: RealmInfo[]; count: number; max: number }> {
    return this.call('GET', this.oauth, '/control/realms');
  }
  deleteRealm(id: string): Promise<{ ended: string; count: number; max: number }> {
    return this.call('DELETE', this.oauth, `/control/realms/${encodeURIComponent(id)}`);
  }

  private call<T>(method: string, base: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(base + path);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const secure = url.protocol === 'https:';
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    if (this.opts.token) headers.Authorization = `Bearer ${this.opts.token}`;
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        url,
        { method, headers, ...(secure && this.opts.ca ? { ca: [...rootCertificates, this.opts.ca] } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: { error_description?: string } | undefined;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            if (!res.statusCode || res.statusCode >= 300) {
              return reject(new ControlError(`${method} ${url.href} answered ${res.statusCode}: ${json?.error_description ?? text.slice(0, 200)}`, res.statusCode));
            }
            resolve(json as T);
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', (err: NodeJS.ErrnoException) => reject(new ControlError(`cannot reach ${url.origin} (${err.code ?? err.message}): is the server running there?`)));
      req.end(payload);
    });
  }
}

export interface ControlClient extends SwitchMethods {}
for (const name of SWITCH_NAMES) {
  Object.defineProperty(ControlClient.prototype, SWITCHES[name].method, {
    value(this: ControlClient, value?: unknown) {
      return this.switch(name, value as never);
    },
  });
}
