import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { JWT_BEARER_ASSERTION } from '../../src/oauth/client-assertion.js';

/** A client's signing key: the private half for its assertions, the public JWK for its registration. */
export interface ClientKey {
  alg: 'RS256' | 'ES256' | 'PS256' | 'EdDSA';
  kid: string;
  privateKey: CryptoKey;
  /** The private key as a JWK (what the SDK's PrivateKeyJwtProvider takes). */
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function clientKey(alg: ClientKey['alg'], kid = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' && { crv: 'Ed25519' }) });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg };
  return { alg, kid, privateKey, privateJwk, publicJwk };
}

/** A public JWK as a client registers it (`kty` always set: jose's exportJWK types it optional). */
type PublicJwk = Omit<JWK, 'kty' | 'use'> & { kty: 'RSA' | 'EC' | 'OKP'; use?: 'sig' };
export const jwksOf = (...keys: ClientKey[]): { keys: PublicJwk[] } => ({ keys: keys.map((k) => k.publicJwk as PublicJwk) });

export interface AssertionOptions {
  /** Claims to set or replace; `undefined` drops one (no exp, no jti). */
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  /** Seconds on the claims' clock; default now. */
  now?: number;
}

/** A client assertion as RFC 7523 §3 asks: iss = sub = client_id, aud, exp 60 s ahead, iat, a fresh jti. */
export async function assertion(key: ClientKey, clientId: string, aud: string, o: AssertionOptions = {}): Promise<string> {
  const now = o.now ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { iss: clientId, sub: clientId, aud, exp: now + 60, iat: now, jti: randomUUID(), ...o.claims };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...o.header } as { alg: string }).sign(key.privateKey);
}

/** An unsigned JWT (`alg: none`), which jose will not make: built by hand. */
export function unsignedAssertion(clientId: string, aud: string): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ iss: clientId, sub: clientId, aud, exp: now + 60, iat: now, jti: randomUUID() })}.`;
}

/** The form fields of private_key_jwt client authentication. */
export const assertionParams = (jwt: string): Record<string, string> => ({ client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: jwt });
