/**
 * Bounded JSON: every JSON value we parse from a request and may keep (client metadata, a fault)
 * goes through here. V8 parses deep nesting fine, but everything after it that walks the value
 * recursively (zod, structuredClone, JSON.stringify of an answer) overflows the stack: a 500 after
 * the value was already stored. So depth is measured on the text, without recursion, before parsing.
 */
export const MAX_JSON_DEPTH = 32;
export const MAX_JSON_BYTES = 64 * 1024;

export interface JsonLimits {
  maxDepth?: number;
  /** UTF-8 bytes of the text. */
  maxBytes?: number;
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; problem: string };

/** The deepest nesting of arrays and objects in a JSON text (strings skipped); linear, no recursion. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x5b || ch === 0x7b) {
      if (++depth > max) max = depth;
    } else if (ch === 0x5d || ch === 0x7d) depth--;
  }
  return max;
}

/** Parses JSON text within limits; `problem` says what is wrong in words fit for an error_description. */
export function parseJson(text: string, limits: JsonLimits = {}): JsonResult {
  const maxDepth = limits.maxDepth ?? MAX_JSON_DEPTH;
  const maxBytes = limits.maxBytes ?? MAX_JSON_BYTES;
  if (Buffer.byteLength(text, 'utf8') > maxBytes) return { ok: false, problem: `body exceeds ${maxBytes} bytes` };
  const depth = jsonDepth(text);
  if (depth > maxDepth) return { ok: false, problem: `body nests arrays/objects ${depth} levels deep; at most ${maxDepth} are allowed` };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, problem: 'body is not valid JSON' };
  }
}

/** UTF-8 size of a text. */
export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** UTF-8 size of a value as JSON, or Infinity when it cannot be serialized (too deep, a cycle). */
export function jsonBytes(value: unknown): number {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
  } catch {
    return Infinity;
  }
}
