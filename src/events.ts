import type { Endpoint } from './faults.js';

export type ServerName = 'oauth' | 'mcp';

/** What every event has. Secrets never appear whole: handlers record abbreviations or none. */
interface Common {
  id: number;
  at: string;
  server: ServerName;
  method: string;
  path: string;
  status: number;
  ms: number;
  /** ok, or the OAuth/Bearer error code, or what the control call changed. */
  outcome: string;
  /** Why, in words: the error_description sent, or what a control call did. */
  reason?: string;
  /** Ids of the faults that struck this request, comma-separated. */
  fault?: string;
}

/** Every typed fact a request event can carry. */
export interface RequestFields {
  clientId?: string;
  /** The grant_type asked for at /token. */
  grant?: string;
  /** The grant (token family) the request created or used, abbreviated. */
  grantId?: string;
  scopes?: string[];
  resources?: string[];
  /** How many tokens the request revoked (a refresh family, a replayed code's tokens). */
  revoked?: number;
  /** A refresh grant that rotated: the presented refresh token was spent and a new one issued (OAuth 2.1 §4.3.1). */
  rotated?: boolean;
  /** Introspection's answer. */
  active?: boolean;
  rpcMethod?: string;
  tool?: string;
  /** The protocol era an /mcp request was served in, and the version it claimed. */
  era?: 'legacy' | 'modern';
  protocolVersion?: string;
  // The consent page (CONSENT=page), on authorize events: GET /authorize shows it, POST /consent decides.
  /** What consent did: the page shown, or the person's decision on it. */
  consent?: 'page-shown' | 'approved' | 'denied';
  /** The test user picked on the page: the `sub` of the code and its tokens. */
  subject?: string;
  /** Scopes the client asked for that the person left unticked (partial consent). */
  scopesDeclined?: string[];

  // What a report card grades (src/report): facts of what the client sent, never a secret or a value
  // that could be replayed. Digests are keyed per process (`factDigest`): equal values show, none reverses.
  /** /authorize: code_challenge_method as sent (`none`: no code_challenge at all), and the challenge's digest. */
  pkceMethod?: string;
  challengeDigest?: string;
  /** /authorize: whether `state` was sent, and its digest (reuse shows, the value never). */
  stateSent?: boolean;
  stateDigest?: string;
  /** /authorize: what the redirect URI is (OAuth 2.1 §8.4.2: loopback or https). */
  redirectKind?: 'loopback' | 'https' | 'other';
  /** /authorize: the scope asked for, as sent (bounded); `scopes` is what was granted. */
  requestedScopes?: string[];
  /** /authorize and /token: whether `resource` was sent (RFC 8707), and whether it names this resource. */
  resourceSent?: boolean;
  resourceMatches?: boolean;
  /** /register: what the client registered. /token: the method it authenticated with. */
  authMethod?: string;
  applicationType?: string;
  grantTypes?: string[];
  clientName?: string;
  /** /register: the digest of client_name and redirect URIs, one per lineage of re-registrations. */
  lineage?: string;
  /** /token authorization_code: how the code_verifier fared (RFC 7636 §4.6). */
  verifier?: 'matched' | 'mismatch' | 'missing';
  /** /token refresh_token: the presented token's digest; a rotated one's age on the realm clock when presented again. */
  refreshDigest?: string;
  replayAgeMs?: number;
  /** /token: the issued access token's digest (who a later /mcp presentation belongs to), and whether a refresh token came with it. */
  accessDigest?: string;
  refreshIssued?: boolean;
  /** /mcp: where the bearer came (RFC 6750 §2.1 allows the header only here), its digest, whether MCP-Protocol-Version was sent. */
  bearerIn?: 'header' | 'query' | 'none';
  tokenDigest?: string;
  protocolHeader?: boolean;
  /** /mcp: the scope a 401/403 challenge named. */
  challengeScope?: string;
}

/** Which facts each endpoint's events carry: the facts a report card or a dashboard consumes. */
export const FACTS = {
  authorize: ['clientId', 'grantId', 'scopes', 'resources', 'consent', 'subject', 'scopesDeclined', 'pkceMethod', 'challengeDigest', 'stateSent', 'stateDigest', 'redirectKind', 'requestedScopes', 'resourceSent', 'resourceMatches'],
  token: ['grant', 'clientId', 'grantId', 'scopes', 'resources', 'revoked', 'authMethod', 'resourceSent', 'resourceMatches', 'verifier', 'refreshDigest', 'replayAgeMs', 'accessDigest', 'refreshIssued', 'rotated'],
  register: ['clientId', 'authMethod', 'applicationType', 'grantTypes', 'clientName', 'lineage'],
  introspect: ['clientId', 'active'],
  revoke: ['clientId', 'grantId', 'revoked'],
  'as-metadata': [],
  jwks: [],
  'resource-metadata': [],
  mcp: ['clientId', 'rpcMethod', 'tool', 'era', 'protocolVersion', 'bearerIn', 'tokenDigest', 'protocolHeader', 'challengeScope'],
  /** A request no endpoint served: 404s and refused control calls. */
  other: [],
} as const satisfies Record<string, ReadonlyArray<keyof RequestFields>>;

export type RequestFacts = { [E in keyof typeof FACTS]: Pick<RequestFields, (typeof FACTS)[E][number]> };
export type RequestEndpoint = keyof RequestFacts;

export type RequestEvent = {
  [E in RequestEndpoint]: Common & { type: 'request'; endpoint: E } & RequestFacts[E];
}[RequestEndpoint];

/** A change made through /control/*. */
export type ControlEvent = Common & {
  type: 'control';
  /** The switch, or `faults` / `clock` / `policy`. */
  control: string;
  faultId?: string;
  faultEndpoint?: Endpoint;
};

export type ServerEvent = RequestEvent | ControlEvent;

/** Distributes Omit over the union, so each member keeps its own fields. */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type EventInput = OmitEach<ServerEvent, 'id' | 'at'>;
export type LogSink = (line: string) => void;
export type Subscriber = (event: ServerEvent) => void;

/** Live consumers are few (a console, dashboards, report cards); more than this is a leak. */
export const MAX_SUBSCRIBERS = 64;

/** A bounded ring buffer of events; the oldest fall off once `capacity` is reached. */
export class EventLog {
  private readonly buf: ServerEvent[] = [];
  private start = 0;
  private nextId = 1;
  private atMs = -1;
  private atIso = '';
  private readonly subscribers = new Set<Subscriber>();

  constructor(
    readonly capacity: number,
    sink?: LogSink,
  ) {
    if (sink) this.subscribe((e) => sink(formatEvent(e)));
  }

  record(input: EventInput): ServerEvent {
    const ms = Date.now();
    if (ms !== this.atMs) {
      // Events come many to a millisecond under load: the timestamp's string is made once per millisecond.
      this.atMs = ms;
      this.atIso = new Date(ms).toISOString();
    }
    const event = { id: this.nextId++, at: this.atIso, ...input } as ServerEvent;
    if (this.buf.length < this.capacity) this.buf.push(event);
    else {
      this.buf[this.start] = event;
      this.start = (this.start + 1) % this.capacity;
    }
    for (const s of this.subscribers) {
      try {
        s(event);
      } catch (err) {
        // A broken consumer must not break the request that produced the event.
        console.error('[events] a subscriber threw; it is removed:', err);
        this.subscribers.delete(s);
      }
    }
    return event;
  }

  /** Calls `fn` with every event from now on; returns the function that stops it. */
  subscribe(fn: Subscriber): () => void {
    if (this.subscribers.size >= MAX_SUBSCRIBERS) throw new Error(`at most ${MAX_SUBSCRIBERS} event subscribers`);
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /** How many consumers follow the log now (the console line is one). */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Events with an id greater than `since`, oldest first. */
  since(since = 0): ServerEvent[] {
    const ordered = this.start === 0 ? this.buf : [...this.buf.slice(this.start), ...this.buf.slice(0, this.start)];
    if (since <= 0) return ordered.slice();
    return ordered.filter((e) => e.id > since);
  }

  get lastId(): number {
    return this.nextId - 1;
  }
}

/**
 * Console lines are one line each: a value a client (or a remote server) sent must not forge a second
 * one, nor move the cursor. C0, DEL, C1 (NEL U+0085 and CSI U+009B among them) and the Unicode line and
 * paragraph separators all become "?".
 */
export const oneLine = (s: string): string => s.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, '?');

/** `[oauth] POST /token refresh_token → invalid_grant 400 2ms` */
export function formatEvent(e: ServerEvent): string {
  if (e.type === 'control') {
    const extra = [e.fault ? `fault=${e.fault}` : '', e.reason ?? ''].filter(Boolean).join(' ');
    return oneLine(`[${e.server}] control ${e.method} ${e.path} → ${e.outcome}${extra ? ` ${extra}` : ''}`);
  }
  const what = e.endpoint === 'token' ? e.grant : e.endpoint === 'mcp' ? [e.rpcMethod, e.tool].filter(Boolean).join(' ') : undefined;
  const facts =
    e.endpoint === 'authorize' && e.outcome === 'ok' && e.scopes
      ? `scope="${e.scopes.join(' ')}"${e.resources?.length ? ` resource=${e.resources.join(',')}` : ''}`
      : '';
  const consent = e.endpoint === 'authorize' && e.consent ? `consent=${e.consent}${e.subject ? ` sub=${e.subject}` : ''}${e.scopesDeclined?.length ? ` declined="${e.scopesDeclined.join(' ')}"` : ''}` : '';
  const why = e.outcome !== 'ok' && e.reason ? `— ${e.reason}` : '';
  const extra = [e.fault ? `fault=${e.fault}` : '', facts, consent, why].filter(Boolean).join(' ');
  return oneLine(`[${e.server}] ${e.method} ${e.path}${what ? ` ${what}` : ''} → ${e.outcome} ${e.status} ${e.ms}ms${extra ? ` ${extra}` : ''}`);
}
