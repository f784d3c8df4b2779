export type ServerName = 'oauth' | 'mcp';

/** One thing that happened: a request answered, or a control change. Secrets are already abbreviated. */
export interface ServerEvent {
  id: number;
  at: string;
  server: ServerName;
  type: 'request' | 'control';
  method: string;
  path: string;
  status: number;
  ms: number;
  /** ok, or the OAuth/Bearer error code, or what the control call changed. */
  outcome: string;
  grant?: string;
  tool?: string;
  rpcMethod?: string;
  clientId?: string;
  fault?: string;
  detail?: string;
}

export type EventInput = Omit<ServerEvent, 'id' | 'at'>;
export type LogSink = (line: string) => void;

/** A bounded ring buffer of events; the oldest fall off once `capacity` is reached. */
export class EventLog {
  private readonly buf: ServerEvent[] = [];
  private start = 0;
  private nextId = 1;

  constructor(
    readonly capacity: number,
    private readonly sink?: LogSink,
  ) {}

  record(input: EventInput): ServerEvent {
    const event: ServerEvent = { id: this.nextId++, at: new Date().toISOString(), ...input };
    if (this.buf.length < this.capacity) this.buf.push(event);
    else {
      this.buf[this.start] = event;
      this.start = (this.start + 1) % this.capacity;
    }
    if (this.sink) this.sink(formatEvent(event));
    return event;
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

/** `[oauth] POST /token refresh_token → invalid_grant 400 2ms` */
export function formatEvent(e: ServerEvent): string {
  const what = [e.grant, e.rpcMethod, e.tool].filter(Boolean).join(' ');
  const extra = [e.fault ? `fault=${e.fault}` : '', e.detail ?? ''].filter(Boolean).join(' ');
  if (e.type === 'control') return `[${e.server}] control ${e.method} ${e.path} → ${e.outcome}${extra ? ` ${extra}` : ''}`;
  return `[${e.server}] ${e.method} ${e.path}${what ? ` ${what}` : ''} → ${e.outcome} ${e.status} ${e.ms}ms${extra ? ` ${extra}` : ''}`;
}
