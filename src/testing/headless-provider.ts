import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

/**
 * An OAuthClientProvider for the official SDK client that plays the browser: it follows the
 * /authorize redirect itself and keeps the resulting code (or error) for `finishAuth`.
 */
export class HeadlessOAuthProvider implements OAuthClientProvider {
  readonly redirectUrl: string;
  clientInfo: OAuthClientInformationMixed | undefined;
  savedTokens: OAuthTokens | undefined;
  /** Every token set the client stored, in order: shows rotation being persisted. */
  readonly tokenHistory: OAuthTokens[] = [];
  verifier = '';
  /** Result of the last headless visit to /authorize. */
  lastRedirect: URL | undefined;
  authorizations = 0;
  invalidations: string[] = [];

  constructor(
    private readonly extra: Partial<OAuthClientMetadata> = {},
    redirectUrl = 'http://127.0.0.1:53682/callback',
  ) {
    this.redirectUrl = redirectUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'headless test client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...this.extra,
    };
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.clientInfo;
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.clientInfo = info;
  }
  tokens(): OAuthTokens | undefined {
    return this.savedTokens;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.savedTokens = tokens;
    this.tokenHistory.push(tokens);
  }
  saveCodeVerifier(v: string): void {
    this.verifier = v;
  }
  codeVerifier(): string {
    return this.verifier;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    this.invalidations.push(scope);
    if (scope === 'all' || scope === 'client') this.clientInfo = undefined;
    if (scope === 'all' || scope === 'tokens') this.savedTokens = undefined;
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    this.authorizations++;
    const res = await fetch(url, { redirect: 'manual' });
    const location = res.headers.get('location');
    if (res.status !== 302 || !location) throw new Error(`/authorize answered ${res.status} without a redirect: ${await res.text()}`);
    this.lastRedirect = new URL(location);
  }

  /** The code from the last redirect; throws with the OAuth error when consent failed. */
  get code(): string {
    const r = this.lastRedirect;
    if (!r) throw new Error('no authorization redirect yet');
    const error = r.searchParams.get('error');
    if (error) throw new Error(`authorization failed: ${error}: ${r.searchParams.get('error_description')}`);
    return r.searchParams.get('code')!;
  }
}
