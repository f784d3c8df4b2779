import { createHash, randomBytes } from 'node:crypto';

/** A fresh PKCE code_verifier: 32 random bytes, 43 base64url characters (RFC 7636 §4.1). */
export const verifier = (): string => randomBytes(32).toString('base64url');

/** The S256 code_challenge of a verifier (RFC 7636 §4.2). */
export const challengeOf = (v: string): string => createHash('sha256').update(v).digest('base64url');

/** A verifier with its S256 challenge. */
export function pkce(): { verifier: string; challenge: string } {
  const v = verifier();
  return { verifier: v, challenge: challengeOf(v) };
}
