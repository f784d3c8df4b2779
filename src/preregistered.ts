import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AUTH_METHODS, GRANT_TYPES } from './policy.js';
import type { ClientRecord } from './store/types.js';

/** Clients a CLIENTS_FILE may list: each one is in every realm, so the file is bounded like MAX_CLIENTS is. */
export const MAX_PREREGISTERED_CLIENTS = 1000;
/** A JWK Set small enough to keep per client; a rotation needs two keys, three leaves room. */
const MAX_CLIENT_KEYS = 10;
/** Members that only a private or symmetric JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4.1): a client publishes public keys only. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const Text = z.string().min(1).max(256);
// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), space-separated.
const Scope = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, 'space-separated scope tokens (RFC 6749 §3.3)');
const RedirectUri = z
  .string()
  .max(2048)
  .refine((u) => URL.canParse(u) && !u.includes('#') && !/[^\x21-\x7e]/.test(u), 'an absolute URI without a fragment (RFC 6749 §3.1.2)');

const Jwk = z
  .object({ kty: z.enum(['RSA', 'EC', 'OKP']), kid: Text.optional(), alg: Text.optional(), use: z.literal('sig').optional() })
  .passthrough()
  .refine((k) => !PRIVATE_JWK_MEMBERS.some((m) => m in k), 'a public key: this member set holds a private or symmetric key, which must never leave the client');

/** A client's public keys for private_key_jwt (RFC 7591 §2 `jwks`): the same rules at /register and in CLIENTS_FILE. */
export const ClientJwksSchema = z.object({ keys: z.array(Jwk).min(1).max(MAX_CLIENT_KEYS) }).strict();

const PreregisteredClientSchema = z
  .object({
    client_id: z.string().regex(/^[\x21-\x7e]{1,255}$/, '1 to 255 printable ASCII characters, no spaces'),
    client_secret: z.string().min(8, 'at least 8 characters').max(4096).optional(),
    token_endpoint_auth_method: z.enum(AUTH_METHODS),
    redirect_uris: z.array(RedirectUri).max(20).default([]),
    grant_types: z.array(z.enum(GRANT_TYPES)).min(1).max(GRANT_TYPES.length).default(['authorization_code', 'refresh_token']),
    scope: Scope.optional(),
    jwks: ClientJwksSchema.optional(),
    jwks_uri: z.never({ error: 'is not fetched by this server yet: give the public keys inline as jwks' }).optional(),
    client_name: Text.optional(),
    client_uri: z.string().max(2048).optional(),
    software_id: Text.optional(),
    software_version: Text.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const method = c.token_endpoint_auth_method;
    if (method === 'none') {
      if (c.client_secret !== undefined) problem('client_secret', 'a public client (token_endpoint_auth_method none) has no secret');
      // RFC 6749 §4.4: the client credentials grant is for confidential clients only.
      if (c.grant_types.includes('client_credentials')) problem('grant_types', 'client_credentials needs a confidential client (RFC 6749 §4.4), not token_endpoint_auth_method none');
    } else if (method === 'private_key_jwt') {
      if (c.jwks === undefined) problem('jwks', 'private_key_jwt needs the client\'s public keys as jwks (a JWK Set)');
      if (c.client_secret !== undefined) problem('client_secret', 'a private_key_jwt client authenticates with its key, not a secret');
    } else if (c.client_secret === undefined) {
      problem('client_secret', `${method} needs a client_secret`);
    }
    if (method !== 'private_key_jwt' && c.jwks !== undefined) problem('jwks', 'only a private_key_jwt client has jwks');
    if (!c.grant_types.includes('authorization_code') && !c.grant_types.includes('client_credentials')) problem('grant_types', 'must include authorization_code or client_credentials');
    if (c.grant_types.includes('authorization_code') && c.redirect_uris.length === 0) problem('redirect_uris', 'the authorization_code grant needs at least one redirect URI');
    if (new Set(c.grant_types).size !== c.grant_types.length) problem('grant_types', 'must not list a grant twice');
  });

export type PreregisteredClient = z.infer<typeof PreregisteredClientSchema>;
/** A client record as written (defaults not filled in): what the `clients` option takes. */
export type PreregisteredClientInput = z.input<typeof PreregisteredClientSchema>;

const ClientsFileSchema = z
  .array(PreregisteredClientSchema)
  .max(MAX_PREREGISTERED_CLIENTS)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((c, i) => {
      if (seen.has(c.client_id)) ctx.addIssue({ code: 'custom', path: [i, 'client_id'], message: `${JSON.stringify(c.client_id)} is listed twice` });
      seen.add(c.client_id);
    });
  });

/**
 * Validates pre-registered clients (from CLIENTS_FILE or the `clients` option) into one line on
 * failure: the path and the rule, never a value (a value may be a secret).
 */
export function parseClients(value: unknown, source: string): { ok: true; clients: PreregisteredClient[] } | { ok: false; problem: string } {
  const parsed = ClientsFileSchema.safeParse(value);
  if (parsed.success) return { ok: true, clients: parsed.data };
  const issue = parsed.error.issues[0]!;
  const at = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  return { ok: false, problem: `${source}${at ? ` ${at}` : ''}: ${issue.message}` };
}

/** Reads CLIENTS_FILE: a JSON array of client records. */
export function readClientsFile(path: string): { ok: true; clients: PreregisteredClient[] } | { ok: false; problem: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, problem: `CLIENTS_FILE ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // V8's message quotes the text around the error, which may be a secret: only where it is.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    const line = at === undefined ? '' : ` (line ${text.slice(0, Number(at)).split('\n').length})`;
    return { ok: false, problem: `CLIENTS_FILE ${path} is not JSON${line}: expected an array of client records` };
  }
  return parseClients(value, `CLIENTS_FILE ${path}`);
}

/** The store's record of a pre-registered client: the fields the handlers read, the rest as metadata (scope, jwks, client_name). */
export function preregisteredRecord(c: PreregisteredClient, issuedAt: number): ClientRecord {
  const { client_id, client_secret, token_endpoint_auth_method, redirect_uris, grant_types, ...metadata } = c;
  return {
    client_id,
    client_id_issued_at: issuedAt,
    ...(client_secret !== undefined && { client_secret, client_secret_expires_at: 0 }),
    redirect_uris: [...redirect_uris],
    token_endpoint_auth_method,
    grant_types: [...grant_types],
    // A machine client (client_credentials only) has no business at /authorize.
    response_types: grant_types.includes('authorization_code') ? ['code'] : [],
    metadata: structuredClone(Object.fromEntries(Object.entries(metadata).filter(([, v]) => v !== undefined))),
  };
}
