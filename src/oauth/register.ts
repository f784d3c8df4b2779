import type { Hono } from 'hono';
import { OAuthClientMetadataSchema } from '@modelcontextprotocol/core';
import { parseJson } from '../http/json.js';
import { NO_STORE, OAuthError, jsonResponse } from '../http/oauth-error.js';
import { omitFields } from '../http/omit.js';
import type { AppEnv, Ctx } from '../pipeline/env.js';
import { methodNotAllowed } from '../pipeline/method.js';
import { strikeAltering } from '../pipeline/strike.js';
import { randomToken } from '../secrets.js';
import type { ClientRecord, TokenEndpointAuthMethod } from '../store/types.js';
import { authorizationScopes } from '../policy.js';
import { ClientJwksSchema } from '../preregistered.js';
import { redirectUriProblem } from './redirect-uri.js';
import { noteRegisterFacts } from './register-facts.js';

/** POST /register: dynamic client registration (RFC 7591). */
export function mountRegister(app: Hono<AppEnv>): void {
  app.post('/register', register);
  app.all('/register', methodNotAllowed('POST'));
}

const badMetadata = (description: string) => new OAuthError('invalid_client_metadata', description);

/**
 * The client cap counts clients, so each one's size is capped too: 10,000 clients of 64 KiB bodies
 * would keep 640 MB. 8 KiB holds any real registration (a jwks of three RSA-4096 keys is ~7 KiB).
 */
export const MAX_CLIENT_METADATA_BYTES = 8 * 1024;

async function register(c: Ctx): Promise<Response> {
  const realm = c.get('realm');
  const policy = realm.policy;
  // RFC 8414 §2: no dynamic registration is no registration_endpoint, so the path is an unknown one.
  if (!policy.dynamicRegistration) return c.notFound();
  realm.counters.registrations++;
  c.get('note').endpoint = 'register';
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw badMetadata(`content type must be application/json${type ? ` (got ${type.split(';')[0]})` : ''}`);
  const body = parseJson(await c.req.text());
  if (!body.ok) throw badMetadata(body.problem);
  const raw = body.value;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badMetadata('body must be a JSON object of client metadata');
  noteRegisterFacts(c.get('note'), raw as Record<string, unknown>);
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
  // SEP-837 takes OpenID Connect Registration's two values.
  if (policy.requireApplicationType && m.application_type !== 'web' && m.application_type !== 'native') {
    const got = m.application_type === undefined ? 'is required here' : `must be "web" or "native" (got ${JSON.stringify(m.application_type).slice(0, 64)})`;
    throw badMetadata(`application_type ${got} (SEP-837, policy requireApplicationType): "web" or "native"`);
  }
  const size = Buffer.byteLength(JSON.stringify(m));
  if (size > MAX_CLIENT_METADATA_BYTES) {
    throw badMetadata(`client metadata is ${size} bytes as registered; at most ${MAX_CLIENT_METADATA_BYTES} (8 KiB) are kept per client`);
  }
  // Checked as sent: the SDK's schema hands back URIs the URL parser has already cleaned (tabs, line feeds dropped).
  for (const uri of (raw as { redirect_uris: string[] }).redirect_uris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new OAuthError('invalid_redirect_uri', problem);
  }
  // RFC 7591 §2: the default method is client_secret_basic.
  const method = (m.token_endpoint_auth_method ?? 'client_secret_basic') as TokenEndpointAuthMethod;
  const methods: readonly string[] = policy.tokenEndpointAuthMethods;
  if (!methods.includes(method)) throw badMetadata(`token_endpoint_auth_method ${JSON.stringify(method)} is not supported; use one of ${methods.join(', ')}`);
  // Omitted grant types default to all we serve but client_credentials, which a client asks for by
  // name; the response says what was registered (RFC 7591 §3.2.1).
  const served: readonly string[] = policy.grantTypes;
  const grantTypes = m.grant_types ?? served.filter((g) => g !== 'client_credentials');
  const unknownGrant = grantTypes.find((g) => !served.includes(g));
  if (unknownGrant) throw badMetadata(`grant_type ${JSON.stringify(unknownGrant)} is not supported; use ${served.join(', ')}`);
  const machine = grantTypes.includes('client_credentials');
  if (!grantTypes.includes('authorization_code') && !machine) throw badMetadata('grant_types must include authorization_code or client_credentials');
  // RFC 6749 §4.4: the client credentials grant is for confidential clients only.
  if (machine && method === 'none') throw badMetadata('grant_type client_credentials needs a confidential client (RFC 6749 §4.4): register token_endpoint_auth_method client_secret_basic, client_secret_post or private_key_jwt');
  if (grantTypes.includes('authorization_code') && m.redirect_uris.length === 0) throw new OAuthError('invalid_redirect_uri', 'redirect_uris must list at least one URI');
  // RFC 7591 §2: a private_key_jwt client registers its public keys; a jwks_uri this server does not fetch (yet).
  if (method === 'private_key_jwt') {
    if (m.jwks_uri !== undefined) throw badMetadata('jwks_uri is not fetched by this server: register the public keys inline as jwks');
    const jwks = ClientJwksSchema.safeParse(m.jwks);
    if (!jwks.success) {
      const issue = jwks.error.issues[0]!;
      throw badMetadata(m.jwks === undefined ? 'token_endpoint_auth_method private_key_jwt needs jwks: the client\'s public keys as a JWK Set (RFC 7591 §2)' : `jwks${issue.path.map((p) => `.${String(p)}`).join('')}: ${issue.message}`);
    }
  }
  const responseTypes = m.response_types ?? ['code'];
  if (responseTypes.some((r) => r !== 'code')) throw badMetadata('response_types may only contain "code"');
  if (m.scope !== undefined) {
    const known = authorizationScopes(policy);
    const unknown = m.scope.split(' ').filter((s) => s && !known.includes(s));
    if (unknown.length) throw badMetadata(`scope lists unknown scopes: ${unknown.join(' ')}; known: ${known.join(' ')}`);
  }
  const full = () => new OAuthError('temporarily_unavailable', `client registry is full (${realm.config.maxClients} clients, MAX_CLIENTS); POST /control/reset to clear it`, 429);
  if ((await realm.store.countClients()) >= realm.config.maxClients) throw full();

  const { omit, shape } = await strikeAltering(c, 'register');
  const same = shape?.effect.kind === 'same-client-id' ? shape : undefined;

  const { redirect_uris, token_endpoint_auth_method, grant_types, response_types, ...rest } = m;
  const metadata = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const client: ClientRecord = {
    client_id: same?.effect.kind === 'same-client-id' && same.effect.clientId !== undefined ? same.effect.clientId : randomToken('client_', 16),
    client_id_issued_at: realm.clock.nowSeconds(),
    redirect_uris,
    token_endpoint_auth_method: method,
    grant_types: grantTypes,
    response_types: responseTypes,
    metadata,
  };
  // A private_key_jwt client proves itself with its key: a secret would be a second credential to leak.
  if (method !== 'none' && method !== 'private_key_jwt') {
    client.client_secret = randomToken('secret_');
    client.client_secret_expires_at = 0;
  }
  // The cap is checked again where the client is added: registrations in flight may have filled it.
  if (!(await realm.store.upsertClient(client, realm.config.maxClients))) throw full();
  if (same) realm.faults.pinClientId(same.fault.id, client.client_id);
  const note = c.get('note');
  note.clientId = client.client_id;
  // What was registered: the defaults applied (RFC 7591 §3.2.1).
  note.grantTypes = grantTypes;
  note.authMethod = method;
  return jsonResponse(omitFields(clientInformation(client), omit), 201, NO_STORE);
}

/** The registration response: issued credentials plus the metadata as registered (RFC 7591 §3.2.1). */
export function clientInformation(client: ClientRecord): Record<string, unknown> {
  const { metadata, ...fields } = client;
  return { ...fields, ...metadata };
}
