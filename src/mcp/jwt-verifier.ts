import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { JwksClient } from './jwks-client.js';
import type { TokenVerifier, Verification } from './verifier.js';

/** Algorithms accepted (RFC 8725 §3.1: an allowlist, never the token's word; `none` never). */
const ALGORITHMS = ['RS256', 'ES256'];
/** Bounded clock skew between the AS that minted and this server (RFC 9068 §4 leaves it to the RS; RFC 7519 §4.1.4 "some small leeway"). */
export const CLOCK_SKEW_SECONDS = 60;
/** How long a fetched JWKS is used before it is fetched again. */
export const JWKS_MAX_AGE_MS = 300_000;
/** An unknown kid fetches the JWKS again at most this often: a flood of made-up kids must not become a flood at the AS. */
export const JWKS_REFETCH_COOLDOWN_MS = 10_000;
/** RFC 9068 §2.2: the claims every JWT access token carries. */
const REQUIRED = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];

interface Cached {
  keys: ReturnType<typeof createLocalJWKSet>;
  kids: Set<string>;
  at: number;
}

const rejected = (description: string): Verification => ({ kind: 'rejected', description });
/** What the token says of itself (kid, alg, typ, iss) goes into a challenge: a short copy only. */
const told = (v: unknown): string => {
  const t = String(v);
  return t.length > 64 ? `${t.slice(0, 64)}...` : t;
};

/**
 * Validates RFC 9068 JWT access tokens locally against the realm's JWKS, fetched over HTTP and cached
 * (MCP_TOKEN_VALIDATION=jwt). It asks the AS nothing per token, so it cannot know of a revocation: a
 * revoked JWT stays valid here until its `exp`, as with any provider whose resource servers validate
 * locally. Time is `now()`, the realm clock: `POST /control/clock` ages tokens and the cache alike.
 */
export class JwtVerifier implements TokenVerifier {
  private cached: Cached | undefined;
  private fetching: Promise<Cached> | undefined;
  private lastFetch = -Infinity;

  constructor(
    private readonly jwks: JwksClient,
    /** The issuer tokens must name (`iss`, RFC 9068 §4); a request may name another spelling of it (`verify`'s expect). */
    private readonly issuer: string,
    private readonly now: () => number,
  ) {}

  get source(): string {
    return `local JWT validation with the JWKS at ${this.jwks.url}`;
  }

  async verify(token: string, expect?: { issuer?: string | readonly string[] }): Promise<Verification> {
    let header;
    try {
      if (token.split('.').length !== 3) throw new Error('not three parts');
      header = decodeProtectedHeader(token);
    } catch {
      return rejected('this MCP server validates access tokens locally as JWTs (RFC 9068; MCP_TOKEN_VALIDATION=jwt), and this token is not a JWT: an opaque token needs ACCESS_TOKEN_FORMAT=jwt at the authorization server, or MCP_TOKEN_VALIDATION=introspection here');
    }
    if (header.alg === 'none') return rejected('the access token is unsigned (alg none): refused (RFC 8725 section 3.1, RFC 7519 section 6)');
    if (!ALGORITHMS.includes(String(header.alg))) return rejected(`the access token's alg ${told(header.alg)} is not accepted here (${ALGORITHMS.join(', ')}; RFC 8725 section 3.1)`);
    const typ = String(header.typ ?? '').toLowerCase();
    if (typ !== 'at+jwt' && typ !== 'application/at+jwt') return rejected(`the JWT's typ is ${header.typ === undefined ? 'missing' : told(header.typ)}, not at+jwt: not an access token (RFC 9068 section 2.1)`);
    if (typeof header.kid !== 'string') return rejected('the JWT has no kid: this server cannot tell which key of the JWKS signed it (RFC 7515 section 4.1.4)');
    let set: Cached;
    try {
      set = await this.keysFor(header.kid);
    } catch (err) {
      const cause = err instanceof Error ? err.message : String(err);
      return { kind: 'unavailable', cause, description: `the JWKS could not be fetched: ${cause}` };
    }
    if (!set.kids.has(header.kid)) {
      return rejected(`the access token was signed with key ${told(header.kid)}, which is not in the JWKS at ${this.jwks.url} (fetched ${Math.round((this.now() - set.at) / 1000)} s ago; an unknown kid refetches it at most every ${JWKS_REFETCH_COOLDOWN_MS / 1000} s)`);
    }
    const issuers = [...new Set([...[expect?.issuer ?? this.issuer].flat(), this.issuer])];
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, set.keys, { issuer: issuers, algorithms: ALGORITHMS, typ: 'at+jwt', clockTolerance: CLOCK_SKEW_SECONDS, currentDate: new Date(this.now()), requiredClaims: REQUIRED }));
    } catch (err) {
      return rejected(this.why(err));
    }
    const aud = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return { kind: 'verified', token: { clientId: str(payload.client_id), sub: payload.sub, scope: str(payload.scope) ?? '', aud, exp: payload.exp } };
  }

  close(): void {
    this.jwks.close();
  }

  /** The cached set, fetched when it is missing or old, and once more (cooldown permitting) when it lacks `kid`. */
  private async keysFor(kid: string): Promise<Cached> {
    const now = this.now();
    const c = this.cached;
    if (c === undefined || now - c.at >= JWKS_MAX_AGE_MS || now < c.at) return this.refetch();
    if (c.kids.has(kid)) return c;
    // A fetch under way may bring it: wait for that one rather than refuse on the old set.
    if (this.fetching) return this.fetching;
    return now - this.lastFetch >= JWKS_REFETCH_COOLDOWN_MS ? this.refetch() : c;
  }

  private refetch(): Promise<Cached> {
    // Concurrent requests share one fetch.
    return (this.fetching ??= (async () => {
      this.lastFetch = this.now();
      const set: JSONWebKeySet = await this.jwks.fetch();
      const kids = new Set(set.keys.map((k) => k.kid).filter((k): k is string => typeof k === 'string'));
      this.cached = { keys: createLocalJWKSet(set), kids, at: this.now() };
      return this.cached;
    })().finally(() => {
      this.fetching = undefined;
    }));
  }

  /** A jose refusal in words, naming the rule it enforces. */
  private why(err: unknown): string {
    if (err instanceof errors.JWTExpired) return `the access token expired at ${new Date((err.payload.exp ?? 0) * 1000).toISOString()} (exp, RFC 7519 section 4.1.4; ${CLOCK_SKEW_SECONDS} s of clock skew allowed)`;
    if (err instanceof errors.JWTClaimValidationFailed) {
      if (err.claim === 'iss') return `the access token's iss ${told(err.payload.iss)} is not this server's authorization server (${this.issuer}; RFC 9068 section 4)`;
      if (err.claim === 'nbf' || err.claim === 'iat') return `the access token is not valid yet (${err.claim}, RFC 7519 section 4.1.5; ${CLOCK_SKEW_SECONDS} s of clock skew allowed)`;
      return `the access token's ${err.claim} claim is refused: ${err.reason === 'missing' ? 'missing (RFC 9068 section 2.2 requires it)' : err.message}`;
    }
    if (err instanceof errors.JWSSignatureVerificationFailed) return 'the access token\'s signature does not verify with the key its kid names (RFC 7515 section 5.2)';
    if (err instanceof errors.JOSEAlgNotAllowed) return `the access token's alg is not accepted here (${ALGORITHMS.join(', ')}; RFC 8725 section 3.1)`;
    if (err instanceof errors.JWKSNoMatchingKey) return 'no key of the JWKS matches the access token\'s kid and alg (RFC 7517)';
    return `the access token is not a valid JWT: ${err instanceof Error ? err.message : String(err)}`;
  }
}
