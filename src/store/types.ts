import type { AuthMethod } from '../policy.js';

export type TokenEndpointAuthMethod = AuthMethod;

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

/** What every stored token-like record has: the grant it belongs to, when it ends, whether it was used. */
interface Stored {
  grantId: string;
  /** When the store may forget it, milliseconds on the realm clock; undefined: never on its own. */
  expiresAt?: number;
  /** Set once by `Store.consume`: when it was spent (codes) or rotated (refresh tokens). */
  consumedAt?: number;
}

export interface CodeRecord extends Stored {
  clientId: string;
  /** The redirect_uri sent to /authorize, or undefined when it was omitted (single registered URI). */
  redirectUri: string | undefined;
  codeChallenge: string;
  scope: string[];
  resources: string[];
  sub: string;
  expiresAt: number;
}

export interface AccessRecord extends Stored {
  clientId: string;
  scope: string[];
  aud: string[];
  sub: string;
  /** Seconds since the epoch, realm clock. */
  iat: number;
  exp: number;
  /** When it stops working, milliseconds, realm clock. */
  expiresAt: number;
}

/** Issued ones expire (policy refreshTokenTtlSeconds); the seeded one has no expiresAt. */
export interface RefreshRecord extends Stored {
  /** null: valid for any client (the seeded token). */
  clientId: string | null;
  scope: string[];
  resources: string[];
  sub: string;
  iat: number;
}
