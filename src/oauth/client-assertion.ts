import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyOptions } from 'jose';
import type { Form } from '../http/form.js';
import { OAuthError } from '../http/oauth-error.js';
import type { Ctx } from '../pipeline/env.js';
import { MAX_SEEN_JTIS } from '../seen-jtis.js';
import type { ClientRecord } from '../store/types.js';

/** RFC 7523 §2.2: the only client_assertion_type this server knows. */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/**
 * The longest an assertion may live, `exp` after `iat` (or after now, without `iat`): the SDK signs
 * them for 300 s. Bounding it bounds how long each `jti` is remembered (realm.seenJtis).
 */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
/** Clock skew allowed on `exp`, `nbf` and `iat` between the client and this server. */
export const ASSERTION_CLOCK_SKEW_SECONDS = 30;
/** A JWT of a few claims signed with RSA-4096 is under 1 KiB; the 8 KiB left room for custom claims. */
const MAX_ASSERTION_BYTES = 8 * 1024;
const MAX_JTI_LENGTH = 256;

/** Every refused assertion is invalid_client with the rule it broke (RFC 6749 §5.2, RFC 7523 §3.2). */
const refused = (rule: string) => new OAuthError('invalid_client', `client_assertion refused: ${rule}`, 401);

/**
 * Authenticates a client by a private_key_jwt assertion (RFC 7523 §2.2 and §3, OpenID Connect Core
 * §9): a JWT signed with a key of the client's registered `jwks`, `iss` = `sub` = its client_id, `aud`
 * this token endpoint or this issuer (both, as draft-ietf-oauth-rfc7523bis allows), `exp` soon, a
 * `jti` never seen before. Returns the client; a jti is spent only by an assertion that passed.
 */
export async function verifyClientAssertion(c: Ctx, form: Form, findClient: (id: string) => Promise<ClientRecord | undefined>): Promise<ClientRecord> {
  const realm = c.get('realm');
  const type = form.get('client_assertion_type');
  const assertion = form.get('client_assertion');
  if (type !== JWT_BEARER_ASSERTION) throw refused(`client_assertion_type must be ${JWT_BEARER_ASSERTION} (RFC 7523 §2.2)${type === undefined ? '' : `, not ${JSON.stringify(type.slice(0, 100))}`}`);
  if (assertion === undefined) throw refused('client_assertion is missing (RFC 7521 §4.2)');
  if (assertion.length > MAX_ASSERTION_BYTES) throw refused(`client_assertion is ${assertion.length} bytes; at most ${MAX_ASSERTION_BYTES}`);

  let alg: unknown;
  let claims: ReturnType<typeof decodeJwt>;
  try {
    alg = decodeProtectedHeader(assertion).alg;
    claims = decodeJwt(assertion);
  } catch {
    throw refused('client_assertion is not a JWT in compact serialization (RFC 7519 §7.2)');
  }
  const algs: readonly string[] = realm.policy.tokenEndpointAuthSigningAlgs;
  if (typeof alg !== 'string' || !algs.includes(alg)) {
    throw refused(`alg ${JSON.stringify(alg)} is not accepted; sign with one of ${algs.join(', ')} (token_endpoint_auth_signing_alg_values_supported)`);
  }
  const id = claims.iss;
  if (typeof id !== 'string' || id === '') throw refused('iss is required: the client_id (RFC 7523 §3)');
  if (claims.sub !== id) throw refused('sub must equal iss, both the client_id (RFC 7523 §3)');
  const bodyId = form.get('client_id');
  if (bodyId !== undefined && bodyId !== id) throw refused('client_id in the body differs from the assertion\'s iss');
  const client = await findClient(id);
  if (!client) throw refused(`iss ${JSON.stringify(id.slice(0, 255))} is no known client_id`);
  if (client.token_endpoint_auth_method !== 'private_key_jwt') {
    throw refused(`client registered token_endpoint_auth_method ${client.token_endpoint_auth_method}, not private_key_jwt`);
  }
  const jwks = client.metadata.jwks as JSONWebKeySet | undefined;
  if (!jwks) throw refused('client registered no jwks to verify its assertion with');

  const urls = c.get('urls');
  const audiences = [...new Set([urls.endpoint('token'), urls.issuer, realm.urls.endpoint('token'), realm.urls.issuer])];
  const now = realm.clock.now();
  let verified: Awaited<ReturnType<typeof jwtVerify>>;
  try {
    verified = await verifyWithKeys(assertion, jwks, {
      algorithms: [...algs],
      issuer: id,
      subject: id,
      audience: audiences,
      requiredClaims: ['exp', 'jti'],
      currentDate: new Date(now),
      clockTolerance: ASSERTION_CLOCK_SKEW_SECONDS,
    });
  } catch (err) {
    throw refused(whyRefused(err, audiences));
  }
  const { exp, iat, jti } = verified.payload as { exp: number; iat?: number; jti: unknown };
  const nowSeconds = Math.floor(now / 1000);
  if (iat !== undefined && iat > nowSeconds + ASSERTION_CLOCK_SKEW_SECONDS) throw refused(`iat is ${iat - nowSeconds} s in the future (${ASSERTION_CLOCK_SKEW_SECONDS} s of skew allowed)`);
  const lifetime = exp - (iat ?? nowSeconds);
  if (lifetime > MAX_ASSERTION_LIFETIME_SECONDS || exp - nowSeconds > MAX_ASSERTION_LIFETIME_SECONDS + ASSERTION_CLOCK_SKEW_SECONDS) {
    throw refused(`exp is ${Math.max(lifetime, exp - nowSeconds)} s after ${iat === undefined ? 'now' : 'iat'}; an assertion may live at most ${MAX_ASSERTION_LIFETIME_SECONDS} s`);
  }
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw refused(`jti must be a string of 1 to ${MAX_JTI_LENGTH} characters (RFC 7523 §3)`);
  const seen = realm.seenJtis.use(client.client_id, jti, (exp + ASSERTION_CLOCK_SKEW_SECONDS) * 1000, now);
  if (seen === 'replayed') throw refused('jti was already used: an assertion authenticates once (RFC 7523 §3)');
  if (seen === 'full') throw new OAuthError('temporarily_unavailable', `too many unexpired client assertions are remembered (${MAX_SEEN_JTIS} per realm); retry when some expire`, 429);
  return client;
}

/** A JWKS of several keys alike and an assertion without `kid`: each candidate is tried (jose leaves that to its caller). */
async function verifyWithKeys(assertion: string, jwks: JSONWebKeySet, options: JWTVerifyOptions) {
  try {
    return await jwtVerify(assertion, createLocalJWKSet(jwks), options);
  } catch (err) {
    if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw err;
    for await (const key of err) {
      try {
        return await jwtVerify(assertion, key, options);
      } catch (e) {
        if (!(e instanceof errors.JWSSignatureVerificationFailed)) throw e;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

/** jose's refusal, said as the rule it checks. */
function whyRefused(err: unknown, audiences: string[]): string {
  if (err instanceof errors.JWTExpired) return `exp is in the past (${ASSERTION_CLOCK_SKEW_SECONDS} s of skew allowed)`;
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return `${err.claim} is required (RFC 7523 §3)`;
    if (err.claim === 'aud') return `aud must name this token endpoint or this issuer: ${audiences.join(' or ')}`;
    if (err.claim === 'nbf') return `nbf is in the future (${ASSERTION_CLOCK_SKEW_SECONDS} s of skew allowed)`;
    return `${err.claim} is invalid (${err.reason})`;
  }
  if (err instanceof errors.JWKSNoMatchingKey) return 'no key of the client\'s jwks matches the assertion\'s kid and alg';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not verify with the client\'s jwks';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'its alg is not accepted';
  if (err instanceof errors.JOSEError) return `not a valid signed JWT (${err.code})`;
  return 'not a valid signed JWT';
}
