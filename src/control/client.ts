import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import type { ServerEvent } from '../events.js';
import type { Effect, Endpoint, Fault, FaultSpec } from './faults.js';
import type { ControlState } from './state.js';

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

export interface FaultsView {
  faults: Fault[];
  endpoints: Endpoint[];
  effects: Record<Effect['kind'], { does: string; breaks: string }>;
}

/** A typed client for both servers' /control planes. */
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
  rotate(on: boolean): Promise<ControlState> {
    return this.call('POST', this.oauth, '/control/rotate', { on });
  }
  expiresIn(seconds: number): Promise<ControlState> {
    return this.call('POST', this.oauth, '/control/expires-in', { seconds });
  }
  revokeAccess(): Promise<ControlState> {
    return this.call('POST', this.oauth, '/control/revoke-access');
  }
  invalidGrant(on: boolean): Promise<ControlState> {
    return this.call('POST', this.oauth, '/control/invalid-grant', { on });
  }
  denyConsent(on: boolean): Promise<ControlState> {
    return this.call('POST', this.oauth, '/control/deny-consent', { on });
  }
  seedRefresh(token: string): Promise<ControlState> {
    return this.call('POST', this.oauth, '/control/seed-refresh', { token });
  }
  force403(on: boolean): Promise<ControlState> {
    return this.call('POST', this.mcp, '/control/force-403', { on });
  }
  /** Resets both servers: the authorization server's state and the MCP server's switches. */
  async reset(): Promise<ControlState> {
    await this.call('POST', this.mcp, '/control/reset');
    return this.call('POST', this.oauth, '/control/reset');
  }
  addFault(spec: FaultSpec): Promise<Fault> {
    const base = spec.endpoint === 'mcp' || spec.endpoint === 'resource-metadata' ? this.mcp : this.oauth;
    return this.call<{ fault: Fault }>('POST', base, '/control/faults', spec).then((r) => r.fault);
  }
  faults(): Promise<FaultsView> {
    return this.call('GET', this.oauth, '/control/faults');
  }
  removeFault(id: string): Promise<FaultsView> {
    return this.call('DELETE', this.oauth, `/control/faults/${encodeURIComponent(id)}`);
  }
  clearFaults(): Promise<FaultsView> {
    return this.call('DELETE', this.oauth, '/control/faults');
  }
  advanceClock(seconds: number): Promise<{ offsetSeconds: number; now: string }> {
    return this.call('POST', this.oauth, '/control/clock', { advance: seconds });
  }
  events(since = 0, server: 'oauth' | 'mcp' = 'oauth'): Promise<{ events: ServerEvent[]; lastId: number }> {
    return this.call('GET', server === 'oauth' ? this.oauth : this.mcp, `/control/events?since=${since}`);
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
