import type { z } from 'zod';
import type { ServerName } from '../events.js';
import type { Fault } from '../faults.js';
import { parseJson, type JsonResult } from '../http/json.js';
import type { Ctx } from '../pipeline/env.js';

/** Control answers are read in terminals (curl): each ends with a newline, so the prompt starts on its own line. */
export function controlJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(`${JSON.stringify(body)}\n`, { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

/** A refused control call: answered invalid_request, and its event says so and why (like an OAuth refusal). */
export const bad = (c: Ctx, description: string, status = 400) => {
  const note = c.get('note');
  note.outcome = 'invalid_request';
  note.reason = description;
  return controlJson({ error: 'invalid_request', error_description: description }, status);
};

export function zodMessage(err: z.ZodError): string {
  return err.issues
    .map((i) => {
      const where = i.path.length ? `${i.path.join('.')}: ` : '';
      const keys = i.code === 'unrecognized_keys' ? ` (${(i as { keys: string[] }).keys.join(', ')})` : '';
      return `${where}${i.message}${keys}`;
    })
    .join('; ');
}

/** A control body: empty is `{}`; too deep or too big is refused like invalid JSON (`problem` says which). */
export async function readJson(c: Ctx): Promise<JsonResult> {
  const text = await c.req.text();
  if (text.trim() === '') return { ok: true, value: {} };
  return parseJson(text);
}

/** Records a control change as an event of its own (reads of the control plane are not events). */
export function record(c: Ctx, server: ServerName, control: string, path: string, outcome: string, extra: { reason?: string; faultId?: string; fault?: Fault } = {}, status = 200): void {
  c.get('note').silent = true;
  const { fault, ...rest } = extra;
  c.get('realm').events.record({
    server,
    type: 'control',
    control,
    method: c.req.method,
    path,
    status,
    ms: 0,
    outcome,
    ...rest,
    ...(fault ? { faultId: fault.id, faultEndpoint: fault.endpoint } : {}),
  });
}

