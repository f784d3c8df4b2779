import crypto, { randomFillSync, timingSafeEqual, createHash } from 'node:crypto';

// Drawing 32 bytes at a time from the CSPRNG costs a syscall each; a refilled pool keeps /token cheap
// while every token still carries 256 bits of fresh randomness.
const POOL_SIZE = 32 * 256;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;
/** Where a prefixed token is put together (prefixes are short ASCII; 32 bytes are 43 characters). */
const scratch = Buffer.allocUnsafe(256);

/** `prefix` + 256 random bits, base64url (43 characters). */
export function randomToken(prefix = '', bytes = 32): string {
  if (offset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const s = pool.toString('base64url', offset, offset + bytes);
  offset += bytes;
  if (!prefix) return s;
  // One flat string: `prefix + s` would be a cons string (two strings and a node, 32 bytes more),
  // and every stored token is a map key for as long as it lives.
  if (prefix.length + s.length > scratch.length) return prefix + s;
  const n = scratch.write(prefix, 0, 'latin1');
  return scratch.toString('latin1', 0, n + scratch.write(s, n, 'latin1'));
}

/**
 * One-shot SHA-256 (`crypto.hash`, Node 20.12+): no Hash object per call, which was 3% of
 * /introspect's CPU (every call compares the resource server's secret). Older Node: createHash.
 */
const sha256: (data: string, encoding: 'buffer' | 'base64url') => Buffer | string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (data, encoding) => (crypto as unknown as { hash: (alg: string, data: string, enc: string) => Buffer | string }).hash('sha256', data, encoding)
    : (data, encoding) => (encoding === 'buffer' ? createHash('sha256').update(data).digest() : createHash('sha256').update(data).digest(encoding));

/**
 * Constant-time comparison of a presented secret with the expected one. Only the length can show
 * through timing, and ours are random strings of a fixed length. (Hashing both sides hid it too, at
 * 3% of /introspect's CPU: every call compares the resource server's secret.)
 */
export function safeEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  if (a.length !== b.length) return timingSafeEqual(a, a) && false;
  return timingSafeEqual(a, b);
}

/** A secret as it may appear in logs and state: enough to recognise it, never enough to use it. */
export function abbreviate(secret: string | undefined): string | undefined {
  if (secret === undefined) return undefined;
  if (secret.length <= 12) return `${secret.slice(0, 2)}…`;
  return `${secret.slice(0, 6)}…${secret.slice(-4)}`;
}

/** The key of `factDigest`, drawn once per process: a digest means nothing outside it. */
const FACT_KEY = crypto.randomBytes(32).toString('base64url');

/**
 * 12 characters that show two values equal (a reused state, a replayed token) without saying what
 * either was: SHA-256 over a per-process key and the value, so a short or guessable value cannot be
 * looked up. The one-shot hash, not an HMAC object: /token and /mcp digest on their hot paths, and
 * a truncated digest of key ‖ value leaks nothing a length extension could use.
 */
export function factDigest(value: string): string {
  return (sha256(FACT_KEY + value, 'base64url') as string).slice(0, 12);
}

/** BASE64URL(SHA256(verifier)), RFC 7636 §4.2. */
export function s256(verifier: string): string {
  return sha256(verifier, 'base64url') as string;
}
