import type { Note } from '../pipeline/env.js';
import { factDigest } from '../secrets.js';

const MAX_NAME_CHARS = 64;
const MAX_GRANT_TYPES = 8;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The lineage of a registration: its client_name and redirect URIs, digested. A client that
 * registers again with the same two (a lost client_id, a reinstall, a registration storm) is the
 * same lineage under another client_id.
 */
export function lineageOf(clientName: string | undefined, redirectUris: readonly unknown[]): string {
  const uris = redirectUris.filter((u): u is string => typeof u === 'string').sort();
  return factDigest(JSON.stringify([clientName ?? '', uris]));
}

/**
 * What the registration asked for, as sent (RFC 7591 §2), noted before it is judged: a refused
 * registration is graded too (its client never got a client_id, so its name and redirect URIs key it).
 */
export function noteRegisterFacts(note: Note, raw: Record<string, unknown>): void {
  const name = str(raw.client_name);
  if (name !== undefined) note.clientName = name.slice(0, MAX_NAME_CHARS);
  note.lineage = lineageOf(name, Array.isArray(raw.redirect_uris) ? raw.redirect_uris : []);
  const type = str(raw.application_type);
  if (type !== undefined) note.applicationType = type.slice(0, 16);
  if (Array.isArray(raw.grant_types)) note.grantTypes = raw.grant_types.slice(0, MAX_GRANT_TYPES).map((g) => String(g).slice(0, 64));
  const method = str(raw.token_endpoint_auth_method);
  // RFC 7591 §2: omitted means client_secret_basic.
  note.authMethod = (method ?? 'client_secret_basic').slice(0, 32);
}
