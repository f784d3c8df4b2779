import { OAuthError } from '../http/oauth-error.js';
import { standardStatus, type Endpoint, type Identity, type Strike } from '../faults.js';
import type { Ctx } from './env.js';

/** A fault's answer that replaces the endpoint's own (a status, or a dropped connection). */
export class FaultAnswer extends Error {
  override name = 'FaultAnswer';
  constructor(readonly response: Response) {
    super('answered by a fault');
  }
}

/** An OAuth error a fault injected; it carries what else the faults removed from (or spoilt in) the answer. */
export class InjectedError extends OAuthError {
  constructor(code: string, description: string, status: number, readonly omit: string[], readonly identity: Identity = {}) {
    super(code, description, status);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The one step where a handler consults its realm's faults. Latency is waited here, a dropped
 * connection is dropped here; a replaced answer is thrown (FaultAnswer, rendered by the base app;
 * InjectedError, rendered the endpoint's way). What remains is the list of fields to omit.
 */
export function strike(c: Ctx, endpoint: Endpoint, sub?: { grant?: string; rpcMethod?: string }): Promise<readonly string[]> | readonly string[] {
  const s = strikeAltering(c, endpoint, sub);
  return s instanceof Promise ? s.then((r) => r.omit) : s.omit;
}

type Struck = { omit: readonly string[]; alter?: Strike['alter']; identity: Identity; shape?: Strike['shape']; target?: true };

/**
 * What a request meets when no fault targets it, nearly every time: one frozen answer, handed back
 * without a promise. A tool call meets this step twice (at /mcp, and at the /introspect it makes),
 * and as async functions the two steps allocated their promises and frames for nothing.
 */
const NOTHING: Struck = Object.freeze({ omit: Object.freeze([]) as readonly string[], identity: Object.freeze({}) });

/** `strike`, also handing back a fault that alters the answer the endpoint makes (a flawed token, a stale JWKS). */
export function strikeAltering(c: Ctx, endpoint: Endpoint, sub?: { grant?: string; rpcMethod?: string }): Promise<Struck> | Struck {
  const s = c.get('realm').faults.take(endpoint, sub);
  return s ? struck(c, endpoint, s) : NOTHING;
}

async function struck(c: Ctx, endpoint: Endpoint, s: Strike): Promise<Struck> {
  const { alter, shape, target } = s;
  const identity = s.identity ?? {};
  const note = c.get('note');
  note.fault = s.ids.join(',');
  if (s.latencyMs > 0) await sleep(s.latencyMs);
  const e = s.answer?.effect;
  if (!e) return { omit: s.omit, alter, identity, shape, target };
  if (e.kind === 'drop') {
    // An in-process caller (the MCP server's introspection, mcp/introspection.ts) has no socket to lose.
    if (c.env?.hangUp) c.env.hangUp();
    else c.env?.incoming?.socket.destroy();
    note.outcome = 'dropped';
    throw new FaultAnswer(new Response(null, { status: 444 }));
  }
  if (e.kind === 'status') {
    note.outcome = `fault_${e.status}`;
    const isText = typeof e.body === 'string';
    const body = e.body === undefined ? null : isText ? (e.body as string) : JSON.stringify(e.body);
    const headers = { 'Content-Type': isText ? 'text/plain; charset=utf-8' : 'application/json', ...e.headers };
    throw new FaultAnswer(new Response(body, { status: e.status, headers }));
  }
  if (e.kind === 'oauth-error') {
    throw new InjectedError(e.error, e.description ?? `${e.error} injected by fault ${s.answer!.id}`, e.status ?? standardStatus(endpoint, e.error), s.omit, identity);
  }
  return { omit: s.omit, alter, identity, shape, target };
}
