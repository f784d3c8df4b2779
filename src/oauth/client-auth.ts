import type { Form } from '../http/form.js';
import { OAuthError } from '../http/oauth-error.js';
import type { Ctx } from '../pipeline/env.js';
import type { Realm } from '../realm.js';
import { safeEqual } from '../secrets.js';
import { flat } from '../http/flat.js';
import type { ClientRecord, TokenEndpointAuthMethod } from '../store/types.js';
import { JWT_BEARER_ASSERTION, verifyClientAssertion } from './client-assertion.js';
import { findClient } from './cimd.js';

export interface Caller {
  /** The registered record's own client_id, never the request's string (a slice of the whole body). */
  clientId: string;
  method: TokenEndpointAuthMethod;
  /** Undefined for the resource server's own introspection credentials. */
  client?: ClientRecord;
  /** A client taken as presented (seeded refresh token); the caller registers it once it succeeds. */
  adopted?: boolean;
}

const invalidClient = (description: string, basic: boolean, realm: Realm): OAuthError =>
  new OAuthError(
    'invalid_client',
    description,
    401,
    // RFC 6749 §5.2: a 401 after Basic authentication must challenge with the scheme the client used.
    basic ? { 'WWW-Authenticate': `Basic realm="${realm.issuer}", charset="UTF-8"` } : {},
  );

const HOW = {
  client_secret_basic: 'Authorization: Basic base64(urlencode(client_id):urlencode(client_secret)) (client_secret_basic)',
  client_secret_post: 'client_id and client_secret in the form body (client_secret_post)',
} as const;

/** What an endpoint accepts, said exactly: the answer to a request that sent no credentials at all. */
function accepted(allowPublic: boolean, allowRs: boolean, realm: Realm): string {
  const secret = allowRs ? realm.policy.introspectionAuthMethods : (['client_secret_basic', 'client_secret_post'] as const);
  const assertion = allowRs ? [] : [`client_assertion_type=${JWT_BEARER_ASSERTION} and a signed client_assertion (private_key_jwt)`];
  const ways = [...(allowPublic ? ['client_id alone in the form body (public clients, auth method none)'] : []), ...secret.map((m) => HOW[m]), ...assertion];
  const who = allowRs ? `; the MCP server sends INTROSPECTION_CLIENT_ID ${JSON.stringify(realm.config.introspectionClientId)} with its secret` : '';
  return `send ${ways.join(', or ')}${who}`;
}

/**
 * Headers parsed lately: a client sends the same Basic credentials on every request, and the MCP
 * server's introspection of every tool call does. Bounded in entries and in length; a new header
 * past the bound clears it (a flood of distinct ones costs the parse it saves, no more).
 */
const parsedBasic = new Map<string, { id: string; secret: string }>();
const MAX_PARSED_BASIC = 64;
const MAX_CACHED_HEADER = 512;

function parseBasicCached(header: string): { id: string; secret: string } | undefined {
  const known = parsedBasic.get(header);
  if (known !== undefined) return known;
  const creds = parseBasic(header);
  if (creds === undefined || header.length > MAX_CACHED_HEADER) return creds;
  if (parsedBasic.size >= MAX_PARSED_BASIC) parsedBasic.clear();
  parsedBasic.set(header, creds);
  return creds;
}

/** Splits `Authorization: Basic` into the form-urlencoded client_id and secret (RFC 6749 §2.3.1). */
function parseBasic(header: string): { id: string; secret: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return undefined;
  }
}

/**
 * Authenticates the caller of /token, /revoke or /introspect by exactly one method (RFC 6749 §2.3).
 * `allowRs` admits the resource server's configured credentials (introspection only).
 */
export async function authenticateClient(
  c: Ctx,
  form: Form,
  opts: { allowPublic: boolean; allowRs?: boolean; registeredMethodOnly?: boolean; adoptUnknown?: boolean },
): Promise<Caller> {
  const realm = c.get('realm');
  const header = c.req.header('authorization');
  const bodyId = form.get('client_id');
  const bodySecret = form.get('client_secret');
  let id: string;
  let secret: string | undefined;
  let method: TokenEndpointAuthMethod;
  const basic = header !== undefined && /^basic\s/i.test(header);
  if (form.get('client_assertion') !== undefined || form.get('client_assertion_type') !== undefined) {
    if (basic || bodySecret !== undefined) throw new OAuthError('invalid_request', 'use one client authentication method, not a client_assertion and a secret together (RFC 6749 §2.3)');
    // RFC 7662 §2.1: introspection is the resource server's, which authenticates with its secret.
    if (opts.allowRs) throw invalidClient(`this endpoint takes no client assertion: ${accepted(false, true, realm)}`, false, realm);
    const client = await verifyClientAssertion(c, form, (id) => realm.store.findClient(id));
    return { clientId: client.client_id, method: 'private_key_jwt', client };
  }
  if (basic) {
    const creds = parseBasicCached(header!);
    if (!creds) throw invalidClient('malformed Basic credentials: expected base64(urlencode(client_id):urlencode(secret))', true, realm);
    if (bodySecret !== undefined) throw new OAuthError('invalid_request', 'use one client authentication method, not Basic and client_secret together (RFC 6749 §2.3)');
    if (bodyId !== undefined && bodyId !== creds.id) throw new OAuthError('invalid_request', 'client_id in the body differs from the one in the Authorization header');
    ({ id, secret } = creds);
    method = 'client_secret_basic';
  } else if (bodySecret !== undefined) {
    if (bodyId === undefined) throw invalidClient('client_secret given without client_id', false, realm);
    id = bodyId;
    secret = bodySecret;
    method = 'client_secret_post';
  } else {
    if (bodyId === undefined) throw invalidClient(`client authentication required: ${accepted(opts.allowPublic, opts.allowRs === true, realm)}`, false, realm);
    id = bodyId;
    method = 'none';
  }

  if (opts.allowRs && id === realm.config.introspectionClientId) {
    if (secret !== undefined && safeEqual(secret, realm.config.introspectionClientSecret)) return { clientId: realm.config.introspectionClientId, method };
    throw invalidClient('wrong credentials for the resource server client', basic, realm);
  }

  const found = await findClient(realm, id, c.get('note'));
  if (found && 'refused' in found) throw invalidClient(found.refused, basic, realm);
  const client = found?.client;
  if (!client && opts.adoptUnknown) {
    const adopted = await adopt(realm, id, method, secret);
    if (adopted) return { clientId: adopted.client_id, method, client: adopted, adopted: true };
  }
  if (!client) throw invalidClient(`unknown client_id ${JSON.stringify(id)}`, basic, realm);
  if (method === 'none') {
    if (client.token_endpoint_auth_method === 'private_key_jwt') throw invalidClient(`client is confidential (private_key_jwt): send client_assertion_type=${JWT_BEARER_ASSERTION} and a client_assertion signed with its key`, basic, realm);
    if (client.token_endpoint_auth_method !== 'none') {
      throw invalidClient(`client is confidential (${client.token_endpoint_auth_method}): authenticate with its secret`, basic, realm);
    }
    if (!opts.allowPublic) throw invalidClient('this endpoint requires a confidential client (client_secret_basic or client_secret_post)', basic, realm);
    return { clientId: client.client_id, method, client };
  }
  if (client.token_endpoint_auth_method === 'private_key_jwt') throw invalidClient('client authenticates with private_key_jwt (a signed client_assertion), not a secret', basic, realm);
  if (!client.client_secret || !safeEqual(secret!, client.client_secret)) throw invalidClient('client authentication failed: wrong client_secret', basic, realm);
  // token_endpoint_auth_method binds the token endpoint (RFC 7591 §2); /introspect and /revoke take either secret method.
  if (opts.registeredMethodOnly && client.token_endpoint_auth_method !== method) {
    throw invalidClient(`client registered token_endpoint_auth_method ${client.token_endpoint_auth_method} but used ${method}`, basic, realm);
  }
  return { clientId: client.client_id, method, client };
}

/**
 * A client record exactly as the client presents itself. Only the seeded refresh token does this: it is
 * meant to be dropped into a client's credential store, whose client_id this server may never have
 * seen (it forgets everything on restart).
 */
async function adopt(realm: Realm, id: string, method: TokenEndpointAuthMethod, secret: string | undefined): Promise<ClientRecord | undefined> {
  if (!/^[\x21-\x7e]{1,255}$/.test(id) || (await realm.store.countClients()) >= realm.config.maxClients) return undefined;
  const client: ClientRecord = {
    client_id: flat(id),
    client_id_issued_at: realm.clock.nowSeconds(),
    redirect_uris: [],
    token_endpoint_auth_method: method,
    // Never client_credentials: that grant needs a client this server registered as confidential.
    grant_types: realm.policy.grantTypes.filter((g) => g !== 'client_credentials'),
    response_types: ['code'],
    metadata: { client_name: 'adopted with the seeded refresh token' },
    ...(secret !== undefined ? { client_secret: flat(secret), client_secret_expires_at: 0 } : {}),
  };
  return client;
}
