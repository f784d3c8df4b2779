import { answer, type Answer } from './answer.js';

/**
 * A control call the way the contract's curl lines make it: `curl -XPOST <base><path> -d '<body>' -H content-type:application/json`,
 * or with no body at all (`curl -XPOST …/control/revoke-access`).
 */
export async function ctl(method: string, base: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  const h: Record<string, string> = { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers };
  return answer(await fetch(base + path, { method, headers: h, body }));
}

export const post = (base: string, path: string, body?: string, headers?: Record<string, string>) => ctl('POST', base, path, body, headers);
export const get = (base: string, path: string, headers?: Record<string, string>) => ctl('GET', base, path, undefined, headers);
