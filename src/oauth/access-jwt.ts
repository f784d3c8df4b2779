import { base64url, SignJWT } from 'jose';
import type { TokenFlaw } from '../faults.js';
import type { Realm } from '../realm.js';

/** The claims RFC 9068 §2.2 requires of a JWT access token, as /token mints them. */
export interface AccessClaims {
  iss: string;
  sub: string;
  /** The resource(s) (RFC 8707); one is written as a string. */
  aud: string[];
  client_id: string;
  scope: string;
  iat: number;
  exp: number;
  jti: string;
}

/** The audience a `wrong-aud` token names: a resource no server of this realm is. */
export const WRONG_AUDIENCE = 'https://wrong-audience.invalid/mcp';
/** How far before its minting an `expired` token ran out: past any resource server's clock skew. */
const EXPIRED_AGO_SECONDS = 3600;

/** What a flaw changes in the claims before they are signed (and recorded: the record says what was minted). */
export function flawedClaims(claims: AccessClaims, flaw: TokenFlaw | undefined): AccessClaims {
  if (flaw === 'expired') return { ...claims, iat: claims.iat - EXPIRED_AGO_SECONDS - 60, exp: claims.iat - EXPIRED_AGO_SECONDS };
  if (flaw === 'wrong-aud') return { ...claims, aud: [WRONG_AUDIENCE] };
  return claims;
}

/**
 * Signs the claims with the realm's signing key (or, for `unknown-kid`, with a key it never
 * publishes; for `alg-none`, not at all), header `typ: at+jwt` (RFC 9068 §2.1).
 */
export async function signAccessJwt(realm: Realm, claims: AccessClaims, flaw: TokenFlaw | undefined): Promise<string> {
  const payload = { ...claims, aud: claims.aud.length === 1 ? claims.aud[0]! : claims.aud };
  if (flaw === 'alg-none') {
    // RFC 7519 §6.1: an unsecured JWT has an empty signature. jose refuses to make one, rightly.
    const part = (o: unknown) => base64url.encode(JSON.stringify(o));
    return `${part({ alg: 'none', typ: 'at+jwt' })}.${part(payload)}.`;
  }
  const alg = realm.policy.jwtSigningAlg;
  const signer = flaw === 'unknown-kid' ? await realm.keys.foreignSigner(alg) : await realm.keys.signer(alg);
  return new SignJWT(payload).setProtectedHeader({ alg: signer.alg, typ: 'at+jwt', kid: signer.kid }).sign(signer.key);
}
