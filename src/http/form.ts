import type { HonoRequest } from 'hono';
import { flat, flatAll } from './flat.js';
import { OAuthError } from './oauth-error.js';

export type Form = { get(name: string): string | undefined; all(name: string): string[] };

/**
 * Reads an `application/x-www-form-urlencoded` body. Repeated parameters are refused (RFC 6749 §3.1)
 * except those listed in `repeatable`; empty values count as absent.
 */
export async function readForm(req: HonoRequest, repeatable: readonly string[] = []): Promise<Form> {
  const type = req.header('content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) {
    throw new OAuthError(
      'invalid_request',
      `content type must be application/x-www-form-urlencoded${type ? ` (got ${type.split(';')[0]})` : ''}`,
    );
  }
  return parseParams(new URLSearchParams(await req.text()), repeatable);
}

/** Hono's parser turns repeated keys into arrays silently; OAuth needs them refused (RFC 6749 §3.1). */
export function parseParams(params: URLSearchParams, repeatable: readonly string[] = []): Form {
  const single = new Map<string, string>();
  const multi = new Map<string, string[]>();
  for (const [k, v] of params) {
    if (v === '') continue;
    if (repeatable.includes(k)) {
      const list = multi.get(k) ?? [];
      list.push(v);
      multi.set(k, list);
      continue;
    }
    if (single.has(k)) throw new OAuthError('invalid_request', `parameter ${k} must not be repeated (RFC 6749 §3.1)`);
    single.set(k, v);
  }
  // What a handler reads is a copy: a record that kept a slice would keep the whole body or URL alive.
  // Copied once per parameter, on its first read (a grant reads client_id and the token several times).
  const copied = new Map<string, string>();
  const get = (n: string) => {
    let v = copied.get(n);
    if (v !== undefined) return v;
    v = single.get(n);
    if (v === undefined) return undefined;
    v = flat(v);
    copied.set(n, v);
    return v;
  };
  return { get, all: (n) => flatAll(multi.get(n) ?? (single.has(n) ? [single.get(n)!] : [])) };
}
