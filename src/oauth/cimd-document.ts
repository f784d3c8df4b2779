import { OAuthClientMetadataSchema } from '@modelcontextprotocol/core';
import { flat } from '../http/flat.js';
import { parseJson } from '../http/json.js';
import { authorizationScopes, type Policy } from '../policy.js';
import type { ClientRecord } from '../store/types.js';
import { CimdRefusal } from './cimd-fetch.js';
import { redirectUriProblem } from './redirect-uri.js';

const refuse = (rule: string, message: string): never => {
  throw new CimdRefusal(rule, message);
};

/**
 * Why a URL cannot be a client_id naming its metadata document (CIMD "Client Identifier"), checked
 * on the string as sent: the URL parser would quietly drop dot segments and an empty userinfo.
 */
export function clientIdUrlProblem(id: string): CimdRefusal | undefined {
  let url: URL;
  try {
    url = new URL(id);
  } catch {
    return new CimdRefusal('url', 'is not a valid URL');
  }
  if (url.protocol !== 'https:') return new CimdRefusal('https', `uses ${url.protocol}; a client_id naming a metadata document is an https URL`);
  if (/^https:\/\/[^/?#]*@/i.test(id)) return new CimdRefusal('url', 'has a username or password; a client_id URL has none');
  if (id.includes('#')) return new CimdRefusal('url', 'has a fragment; a client_id URL has none');
  if (url.pathname === '/' || url.pathname === '') return new CimdRefusal('url', 'has no path; a client_id URL names its document by a path (https://host/path)');
  const path = /^https:\/\/[^/?#]*(\/[^?#]*)/i.exec(id)?.[1] ?? '';
  if (path.split('/').some((s) => s === '.' || s === '..')) return new CimdRefusal('url', 'has a "." or ".." path segment; a client_id URL has none');
  return undefined;
}

/**
 * The client a fetched metadata document describes, checked as the CIMD draft asks: a JSON object,
 * its client_id the URL itself by simple string comparison, the fields MCP requires (client_id,
 * client_name, redirect_uris: client-registration "Client ID Metadata Documents"), no shared secret
 * (nothing secret can be in a public document), and the rest as /register checks it.
 */
export function clientFromDocument(url: string, body: string, policy: Readonly<Policy>, nowSeconds: number): ClientRecord {
  const parsed = parseJson(body);
  if (!parsed.ok) refuse('json', `is not valid JSON (${parsed.problem})`);
  const raw = parsed.ok ? parsed.value : undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return refuse('json', 'is not a JSON object');
  const doc = raw as Record<string, unknown>;
  if (doc.client_id !== url) {
    refuse('client_id', `names client_id ${JSON.stringify(doc.client_id ?? null)}; it must equal the document's URL exactly (simple string comparison, RFC 3986 §6.2.1)`);
  }
  if (typeof doc.client_name !== 'string' || doc.client_name === '') refuse('client_name', 'has no client_name; MCP requires client_id, client_name and redirect_uris');
  if (!Array.isArray(doc.redirect_uris) || doc.redirect_uris.length === 0) refuse('redirect_uris', 'has no redirect_uris; it must list at least one');
  for (const uri of doc.redirect_uris as unknown[]) {
    if (typeof uri !== 'string') refuse('redirect_uris', 'lists a redirect URI that is not a string');
    const problem = redirectUriProblem(uri as string);
    if (problem) refuse('redirect_uris', `lists a redirect URI that cannot be used: ${problem}`);
  }
  for (const field of ['client_secret', 'client_secret_expires_at'] as const) {
    if (field in doc) refuse('secret', `contains ${field}; a public document holds no shared secret`);
  }
  const method = doc.token_endpoint_auth_method ?? 'none';
  if (method !== 'none') {
    const why = method === 'private_key_jwt' ? 'private_key_jwt is not accepted for metadata-document clients by this server yet' : 'a shared secret cannot be established through a public document';
    refuse('token_endpoint_auth_method', `has token_endpoint_auth_method ${JSON.stringify(method)}: ${why}; use none`);
  }
  if (!policy.tokenEndpointAuthMethods.includes('none')) refuse('token_endpoint_auth_method', 'describes a public client (none), which the policy in force does not accept');
  const checked = OAuthClientMetadataSchema.safeParse(doc);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    refuse('metadata', `${issue.path.join('.') || 'document'}: ${issue.message}`);
  }
  const m = checked.success ? checked.data : undefined!;
  const served: readonly string[] = policy.grantTypes;
  const grantTypes = m.grant_types ?? [...served];
  const unknownGrant = grantTypes.find((g) => !served.includes(g));
  if (unknownGrant) refuse('metadata', `grant_types lists ${JSON.stringify(unknownGrant)}, which this server does not serve (${served.join(', ')})`);
  if (!grantTypes.includes('authorization_code')) refuse('metadata', 'grant_types must include authorization_code');
  const responseTypes = m.response_types ?? ['code'];
  if (responseTypes.some((r) => r !== 'code')) refuse('metadata', 'response_types may only contain "code"');
  if (m.scope !== undefined) {
    const known = authorizationScopes(policy);
    const unknown = m.scope.split(' ').filter((s) => s && !known.includes(s));
    if (unknown.length) refuse('metadata', `scope lists unknown scopes: ${unknown.join(' ')}; known: ${known.join(' ')}`);
  }
  const { redirect_uris: _r, token_endpoint_auth_method: _t, grant_types: _g, response_types: _rt, ...rest } = m;
  return {
    client_id: flat(url),
    client_id_issued_at: nowSeconds,
    // As sent: the schema hands back URIs the URL parser has cleaned.
    redirect_uris: (doc.redirect_uris as string[]).map(flat),
    token_endpoint_auth_method: 'none',
    grant_types: grantTypes,
    response_types: responseTypes,
    metadata: Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
  };
}
