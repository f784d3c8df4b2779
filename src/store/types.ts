export type TokenEndpointAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post';

/** A registered client: the metadata it registered (RFC 7591 §2) plus what the server issued. */
export interface ClientRecord {
  client_id: string;
  client_secret?: string;
  client_id_issued_at: number;
  client_secret_expires_at?: number;
  redirect_uris: string[];
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  grant_types: string[];
  response_types: string[];
  /** Other registered metadata, echoed back as registered. */
  metadata: Record<string, unknown>;
}

export interface CodeRecord {
  clientId: string;
  /** The redirect_uri sent to /authorize, or undefined when it was omitted (single registered URI). */
  redirectUri: string | undefined;
  codeChallenge: string;
  scope: string[];
  resources: string[];
  sub: string;
  grantId: string;
  expiresAt: number;
}

export interface AccessRecord {
  clientId: string;
  scope: string[];
  aud: string[];
  sub: string;
  grantId: string;
  /** Seconds since the epoch, realm clock. */
  iat: number;
  exp: number;
  /** When it stops working, milliseconds, realm clock. */
  expiresAt: number;
}

export interface RefreshRecord {
  /** null: valid for any client (the seeded token). */
  clientId: string | null;
  scope: string[];
  resources: string[];
  sub: string;
  grantId: string;
  iat: number;
  /** Rotated tokens stay known so that their reuse can be detected, until `expiresAt`. */
  rotated: boolean;
  expiresAt?: number;
}
