import type {
  OAuthClientInformationFullSchema,
  OAuthClientInformationSchema,
  OAuthClientMetadataSchema,
  OAuthMetadataSchema,
  OAuthProtectedResourceMetadataSchema,
  OAuthTokensSchema,
  OpenIdProviderDiscoveryMetadataSchema,
} from '@modelcontextprotocol/core';
import type { z } from 'zod';

// The shapes come from @modelcontextprotocol/core's wire schemas (a dependency of this package), as
// types only: the provider imports neither SDK at runtime, so it satisfies the OAuthClientProvider of
// the SDK 1.32.2 client and of the SDK v2 client (@modelcontextprotocol/client) by its shape alone.
export type ClientMetadata = z.infer<typeof OAuthClientMetadataSchema>;
/** Client information as saved: v2 stamps the issuer that registered it (SEP-2352). */
export type StoredClientInformation = z.infer<typeof OAuthClientInformationSchema> | z.infer<typeof OAuthClientInformationFullSchema>;
/** Tokens as saved: v2 stamps the issuer that issued them (SEP-2352). */
export type StoredTokens = z.infer<typeof OAuthTokensSchema>;
/** What the client discovered (RFC 9728, RFC 8414), kept so a callback is checked against the same issuer. */
export interface DiscoveryState {
  authorizationServerUrl: string;
  authorizationServerMetadata?: z.infer<typeof OAuthMetadataSchema> | z.infer<typeof OpenIdProviderDiscoveryMetadataSchema>;
  resourceMetadata?: z.infer<typeof OAuthProtectedResourceMetadataSchema>;
  resourceMetadataUrl?: string;
}
export type CredentialScope = 'all' | 'client' | 'tokens' | 'verifier' | 'discovery';

export interface HeadlessOptions {
  /**
   * The https URL of this client's metadata document (CIMD, SEP-991): both SDK clients then use it
   * as the client_id, with no /register, when the authorization server advertises
   * `client_id_metadata_document_supported`. Serving the document there is the host's part.
   */
  clientMetadataUrl?: string;
}

/**
 * An OAuthClientProvider for the official SDK clients (1.32.2 and v2) that plays the browser: it
 * follows the /authorize redirect itself and keeps where it led, so the host can finish the flow:
 * `transport.finishAuth(provider.code)` (1.32.2), `transport.finishAuth(provider.callbackParams)` (v2,
 * which then checks `iss`, RFC 9207). One credential set: the SDK's issuer context is not needed to
 * pick it, and v2 discards a set stamped for another issuer itself.
 */
export class HeadlessOAuthProvider {
  readonly redirectUrl: string;
  clientInfo: StoredClientInformation | undefined;
  savedTokens: StoredTokens | undefined;
  /** Every token set the client stored, in order: shows rotation being persisted. */
  readonly tokenHistory: StoredTokens[] = [];
  verifier = '';
  /**
   * Kept as a host keeps it, across the redirect: v2 refuses a callback when the provider can save it
   * but cannot give it back (the callback's authorization server must be the one the flow began with).
   */
  discovery: DiscoveryState | undefined;
  /** The last /authorize URL the client sent the "browser" to (its `scope` is what it asked for). */
  lastAuthorizationUrl: URL | undefined;
  /** Result of the last headless visit to /authorize. */
  lastRedirect: URL | undefined;
  authorizations = 0;
  invalidations: CredentialScope[] = [];
  /** Read by the SDK clients: when set (and supported), the client_id is this URL (see HeadlessOptions). */
  readonly clientMetadataUrl: string | undefined;

  constructor(
    private readonly extra: Partial<ClientMetadata> = {},
    redirectUrl = 'http://127.0.0.1:53682/callback',
    options: HeadlessOptions = {},
  ) {
    this.redirectUrl = redirectUrl;
    this.clientMetadataUrl = options.clientMetadataUrl;
  }

  get clientMetadata(): ClientMetadata {
    return {
      client_name: 'headless test client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...this.extra,
    };
  }

  clientInformation(): StoredClientInformation | undefined {
    return this.clientInfo;
  }
  saveClientInformation(info: StoredClientInformation): void {
    this.clientInfo = info;
  }
  tokens(): StoredTokens | undefined {
    return this.savedTokens;
  }
  saveTokens(tokens: StoredTokens): void {
    this.savedTokens = tokens;
    this.tokenHistory.push(tokens);
  }
  saveCodeVerifier(v: string): void {
    this.verifier = v;
  }
  codeVerifier(): string {
    return this.verifier;
  }
  saveDiscoveryState(state: DiscoveryState): void {
    this.discovery = state;
  }
  discoveryState(): DiscoveryState | undefined {
    return this.discovery;
  }
  invalidateCredentials(scope: CredentialScope): void {
    this.invalidations.push(scope);
    if (scope === 'all' || scope === 'client') this.clientInfo = undefined;
    if (scope === 'all' || scope === 'tokens') this.savedTokens = undefined;
    if (scope === 'all' || scope === 'verifier') this.verifier = '';
    if (scope === 'all' || scope === 'discovery') this.discovery = undefined;
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    this.authorizations++;
    this.lastAuthorizationUrl = url;
    const res = await fetch(url, { redirect: 'manual' });
    const location = res.headers.get('location');
    // CONSENT=page answers 200 with a form for a person: no redirect will come, and the page itself is no error to print.
    if (res.status === 200 && /^text\/html/i.test(res.headers.get('content-type') ?? '')) {
      throw new Error('/authorize answered its consent page (CONSENT=page): a headless client cannot approve it; approve it in a browser, or switch consent back with POST /control/consent {"mode":"auto"}');
    }
    if (res.status !== 302 || !location) throw new Error(`/authorize answered ${res.status} without a redirect: ${await res.text()}`);
    this.lastRedirect = new URL(location);
  }

  /** Every parameter of the last redirect (`code` or `error`, `state`, `iss`), as v2's finishAuth takes them. */
  get callbackParams(): URLSearchParams {
    if (!this.lastRedirect) throw new Error('no authorization redirect yet');
    return new URLSearchParams(this.lastRedirect.search);
  }

  /** The authorization server's `iss` in the last redirect (RFC 9207), if it sent one. */
  get iss(): string | undefined {
    return this.callbackParams.get('iss') ?? undefined;
  }

  /** The code from the last redirect; throws with the OAuth error when consent failed. */
  get code(): string {
    const q = this.callbackParams;
    const error = q.get('error');
    if (error) throw new Error(`authorization failed: ${error}: ${q.get('error_description')}`);
    return q.get('code')!;
  }
}
