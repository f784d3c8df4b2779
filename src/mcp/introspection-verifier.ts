import { INACTIVE_REASON_MEMBER } from '../http/inactive-reason.js';
import { IntrospectionFailed, type IntrospectionClient } from './introspection.js';
import type { TokenVerifier, Verification } from './verifier.js';

/** Verifies by asking the authorization server on every request (RFC 7662), so revocation shows at once. */
export class IntrospectionVerifier implements TokenVerifier {
  constructor(private readonly client: IntrospectionClient) {}

  get source(): string {
    return `introspection at ${this.client.url}`;
  }

  async verify(token: string): Promise<Verification> {
    let facts;
    try {
      facts = await this.client.introspect(token);
    } catch (err) {
      const cause = err instanceof IntrospectionFailed ? err.reason : String(err);
      return { kind: 'unavailable', cause, description: `introspection failed: ${cause}` };
    }
    if (!facts.active) {
      // Our own authorization server says why; any other says only that it is inactive (RFC 7662 §2.2).
      const why = facts[INACTIVE_REASON_MEMBER];
      return { kind: 'rejected', description: why ?? 'the access token is not active: expired, revoked or unknown' };
    }
    if (facts.token_type === 'refresh_token') return { kind: 'rejected', description: 'this is a refresh token, not an access token (RFC 6749 section 1.5); send the access token' };
    const aud = facts.aud === undefined ? [] : Array.isArray(facts.aud) ? facts.aud : [facts.aud];
    return { kind: 'verified', token: { clientId: facts.client_id, sub: facts.sub, scope: facts.scope ?? '', aud, exp: facts.exp } };
  }

  close(): void {
    this.client.close();
  }
}
