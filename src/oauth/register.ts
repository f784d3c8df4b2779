import type { Hono } from 'hono';
import { OAuthClientMetadataSchema } from '@modelcontextprotocol/sdk/shared/auth.js';
import { NO_STORE, OAuthError, jsonResponse } from '../http/oauth-error.js';
import { methodNotAllowed, omitFields, strike, type AppEnv, type Ctx } from '../http/kit.js';
import type { Realm } from '../realm.js';
import { randomToken } from '../secrets.js';
import type { ClientRecord, TokenEndpointAuthMethod } from '../store/types.js';
import { redirectUriProblem } from './redirect-uri.js';

export const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = ['none', 'client_secret_basic', 'client_secret_post'];
const GRANT_TYPES = ['authorization_code', 'refresh_token'];

/** POST /register: dynamic client registration (RFC 7591). */
export function mountRegister(app: Hono<AppEnv>, realm: Realm): void {
  app.post('/register', (c) => register(c, realm));
  app.all('/register', methodNotAllowed('POST'));
}

const badMetadata = (description: string) => new OAuthError('invalid_client_metadata', description);

async function register(c: Ctx, realm: Realm): Promise<Response> {
  realm.counters.registrations++;
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw badMetadata(`content type must be application/json${type ? ` (got ${type.split(';')[0]})` : ''}`);
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch {
    throw badMetadata('body is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badMetadata('body must be a JSON object of client metadata');
  if (!Array.isArray((raw as { redirect_uris?: unknown }).redirect_uris)) {
    throw new OAuthError('invalid_redirect_uri', 'redirect_uris is required: an array of absolute URIs (the authorization_code grant redirects)');
  }
  const parsed = OAuthClientMetadataSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    const code = issue.path[0] === 'redirect_uris' ? 'invalid_redirect_uri' : 'invalid_client_metadata';
    throw new OAuthError(code, `${field || 'body'}: ${issue.message}`);
  }
  const m = parsed.data;
  if (m.redirect_uris.length === 0) throw new OAuthError('invalid_redirect_uri', 'redirect_uris must list at least one URI');
  for (const uri of m.redirect_uris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new OAuthError('invalid_redirect_uri', problem);
  }
  // RFC 7591 §2: the default method is client_secret_basic.
  const method = (m.token_endpoint_auth_method ?? 'client_secret_basic') as TokenEndpointAuthMethod;
  if (!AUTH_METHODS.includes(method)) throw badMetadata(`token_endpoint_auth_method ${JSON.stringify(method)} is not supported; use one of ${AUTH_METHODS.join(', ')}`);
  // Omitted grant types default to both we serve, and the response says so (RFC 7591 §3.2.1).
  const grantTypes = m.grant_types ?? GRANT_TYPES;
  const unknownGrant = grantTypes.find((g) => !GRANT_TYPES.includes(g));
  if (unknownGrant) throw badMetadata(`grant_type ${JSON.stringify(unknownGrant)} is not supported; use ${GRANT_TYPES.join(', ')}`);
  if (!grantTypes.includes('authorization_code')) throw badMetadata('grant_types must include authorization_code');
  const responseTypes = m.response_types ?? ['code'];
  if (responseTypes.some((r) => r !== 'code')) throw badMetadata('response_types may only contain "code"');
  if (m.scope !== undefined) {
    const unknown = m.scope.split(' ').filter((s) => s && !realm.config.scopes.includes(s));
    if (unknown.length) throw badMetadata(`scope lists unknown scopes: ${unknown.join(' ')}; known: ${realm.config.scopes.join(' ')}`);
  }
  if (realm.store.clients.size >= realm.config.maxClients) {
    throw new OAuthError('temporarily_unavailable', `client registry is full (${realm.config.maxClients} clients, MAX_CLIENTS); POST /control/reset to clear it`, 429);
  }

  const s = await strike(c, realm, 'register');
  if (s.response) return s.response;
  if (s.error) throw s.error;

  const { redirect_uris, token_endpoint_auth_method, grant_types, response_types, ...rest } = m;
  const metadata = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const client: ClientRecord = {
    client_id: randomToken('client_', 16),
    client_id_issued_at: realm.clock.nowSeconds(),
    redirect_uris,
    token_endpoint_auth_method: method,
    grant_types: grantTypes,
    response_types: responseTypes,
    metadata,
  };
  if (method !== 'none') {
    client.client_secret = randomToken('secret_');
    client.client_secret_expires_at = 0;
  }
  realm.store.clients.set(client.client_id, client);
  c.get('note').clientId = client.client_id;
  return jsonResponse(omitFields(clientInformation(client), s.omit), 201, NO_STORE);
}

/** The registration response: issued credentials plus the metadata as registered (RFC 7591 §3.2.1). */
export function clientInformation(client: ClientRecord): Record<string, unknown> {
  const { metadata, ...fields } = client;
  return { ...fields, ...metadata };
}
