import type { Realm } from '../realm.js';
import type { TokenVerifier, Verification } from '../mcp/verifier.js';
import { SECOND_ISSUER_SEGMENT } from '../urls.js';

type Expect = Parameters<TokenVerifier['verify']>[1];

/**
 * The issuers a realm's MCP server takes tokens from, as its protected-resource metadata names them
 * (policy prmIssuers): `self` its own; `several` its own, else the second issuer's (the client chose,
 * MCP authorization "Authorization Server Location"); `migrated` the second issuer's only, as a
 * resource that moved to another authorization server stops trusting the old one: a token of the old
 * issuer is refused with a 401 that says so, which sends the client back to discovery, where the
 * metadata names the new issuer it must register with (SEP-2352).
 */
export class TrustedIssuersVerifier implements TokenVerifier {
  private secondVerifier: TokenVerifier | undefined;

  constructor(
    private readonly realm: Realm,
    private readonly own: TokenVerifier,
    private readonly makeSecond: () => TokenVerifier,
  ) {}

  get source(): string {
    return this.own.source;
  }

  async verify(token: string, expect?: Expect): Promise<Verification> {
    const mode = this.realm.policy.prmIssuers;
    if (mode === 'self') return this.own.verify(token, expect);
    // The second issuer as this request's Host names the first (a JWT's `iss` follows the name the client used).
    const named = [expect?.issuer ?? []].flat()[0];
    const secondExpect = named === undefined ? undefined : { issuer: `${named}${SECOND_ISSUER_SEGMENT}` };
    const second = (this.secondVerifier ??= this.makeSecond());
    if (mode === 'several') {
      const first = await this.own.verify(token, expect);
      if (first.kind !== 'rejected') return first;
      const other = await second.verify(token, secondExpect);
      return other.kind === 'verified' ? other : first;
    }
    const moved = await second.verify(token, secondExpect);
    if (moved.kind !== 'rejected') return moved;
    const old = await this.own.verify(token, expect);
    if (old.kind !== 'verified') return moved;
    const urls = this.realm.urls;
    return {
      kind: 'rejected',
      description: `the access token was issued by ${urls.issuer}, which this resource no longer trusts: its metadata names ${urls.secondIssuer} now (policy prmIssuers "migrated"); discover it again and register there (SEP-2352)`,
    };
  }

  close(): void {
    this.own.close();
    this.secondVerifier?.close();
  }
}
