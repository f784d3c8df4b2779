import { requestLines, responseLines, type ShownRequest } from './walk-print.js';

/** A step that did not get what a strict client needs: `walk` names the step and exits 1. */
export class StepFailed extends Error {}

const STEP_TIMEOUT_MS = 10_000;

export const fail = (why: string): never => {
  throw new StepFailed(why);
};

export interface Answer {
  res: Response;
  text: string;
  json: unknown;
}

/** One request, shown as sent and as answered. Never follows redirects: walk shows each hop. */
export async function exchange(req: ShownRequest): Promise<Answer> {
  for (const line of requestLines(req)) console.log(`  ${line}`);
  let res: Response;
  try {
    res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, redirect: 'manual', signal: AbortSignal.timeout(STEP_TIMEOUT_MS) });
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string; errors?: Array<{ message?: string }> } };
    const cause = e.name === 'TimeoutError' ? `no answer within ${STEP_TIMEOUT_MS / 1000} s` : (e.cause?.errors?.[0]?.message ?? e.cause?.message ?? e.cause?.code ?? e.message);
    // Node's fetch trusts only the public roots and NODE_EXTRA_CA_CERTS: the `certs` certificate is neither by default.
    const hint = /certificate/i.test(String(cause)) ? 'Trust it: NODE_EXTRA_CA_CERTS=$PWD/certs/localhost.pem' : 'Is the server running there?';
    return fail(`cannot reach ${new URL(req.url).origin}: ${cause}. ${hint}`);
  }
  const text = await res.text();
  for (const line of responseLines(res, text)) console.log(`  ${line}`);
  return { res, text, json: parseBody(text, res.headers.get('content-type') ?? '') };
}

/** JSON, or the last JSON-RPC message of an event stream; undefined when the body is neither. */
function parseBody(text: string, contentType: string): unknown {
  const data = contentType.includes('text/event-stream')
    ? text
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trim())
        .at(-1)
    : text;
  try {
    return data === undefined ? undefined : JSON.parse(data);
  } catch {
    return undefined;
  }
}

export const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export function expectStatus(a: Answer, status: number, what: string): void {
  if (a.res.status === status) return;
  const j = obj(a.json);
  const why = typeof j.error === 'string' ? `: ${j.error}${typeof j.error_description === 'string' ? ` (${j.error_description})` : ''}` : '';
  fail(`${what} answered ${a.res.status}${why}, expected ${status}`);
}

/** The auth-params of a Bearer challenge (RFC 6750 §3), quoted-string escapes undone. */
export function challengeParams(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.matchAll(/([\w-]+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
  return out;
}
