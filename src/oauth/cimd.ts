import { readFile } from 'node:fs/promises';
import type { Note } from '../pipeline/env.js';
import type { Realm } from '../realm.js';
import type { ClientRecord } from '../store/types.js';
import { clientFromDocument, clientIdUrlProblem } from './cimd-document.js';
import { CimdRefusal, fetchDocument, MAX_DOCUMENT_BYTES, type FetchOptions } from './cimd-fetch.js';
import { freshnessSeconds } from './cimd-freshness.js';

/**
 * How a client_id was found: registered (the store), read from its metadata document (fetched now or
 * cached), or refused by a rule of the CIMD draft (`refused`: the whole error_description).
 */
export type ClientLookup = { client: ClientRecord; fromDocument: boolean } | { refused: string } | undefined;

/** A client_id that is a URL: with CIMD on, it names a metadata document (an http one is refused: https only). */
const looksLikeUrl = (id: string): boolean => /^https?:\/\//i.test(id);

/**
 * The one place a client is looked up (/authorize, /token, /revoke, /introspect): the store first;
 * then, when the policy has `cimd` on and the client_id is a URL, the client ID metadata document at
 * that URL (draft-ietf-oauth-client-id-metadata-document), fetched, checked and cached per its HTTP
 * caching headers. `note` gets the ids of the cimd-fetch faults that struck.
 */
export async function findClient(realm: Realm, id: string, note?: Note): Promise<ClientLookup> {
  const stored = await realm.store.findClient(id);
  if (stored) return { client: stored, fromDocument: false };
  if (!realm.policy.cimd || !looksLikeUrl(id)) return undefined;
  try {
    return { client: await clientFromMetadataDocument(realm, id, note), fromDocument: true };
  } catch (err) {
    if (!(err instanceof CimdRefusal)) throw err;
    return { refused: `client ID metadata document ${JSON.stringify(id.slice(0, 300))} ${err.message} [rule: ${err.rule}]` };
  }
}

async function clientFromMetadataDocument(realm: Realm, id: string, note: Note | undefined): Promise<ClientRecord> {
  const urlProblem = clientIdUrlProblem(id);
  if (urlProblem) throw urlProblem;
  const cached = realm.cimd.get(id, realm.clock.now());
  if (cached) return cached;
  // Parallel first uses of one client_id (a client's burst of authorizations) make one fetch.
  return realm.cimd.inFlight(id) ?? realm.cimd.share(id, fetchClient(realm, id, note));
}

async function fetchClient(realm: Realm, id: string, note: Note | undefined): Promise<ClientRecord> {
  const generation = realm.generation;
  const config = realm.config;
  const options: FetchOptions = { timeoutMs: config.cimdTimeoutMs, allowLoopback: config.cimdAllowLoopback };
  if (config.cimdCaFile) {
    try {
      options.ca = await readFile(config.cimdCaFile, 'utf8');
    } catch (err) {
      throw new CimdRefusal('unreachable', `could not be fetched: CIMD_CA_FILE ${config.cimdCaFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  const strike = realm.faults.take('cimd-fetch');
  if (strike && note) note.fault = [note.fault, ...strike.ids].filter(Boolean).join(',');
  const effect = strike?.answer?.effect;
  const problem = effect?.kind === 'cimd' ? effect.problem : undefined;
  const by = `(fault ${strike?.answer?.id})`;
  if (problem === 'unreachable') throw new CimdRefusal('unreachable', `could not be fetched (ECONNREFUSED) ${by}`);
  // The slow document is late for real: the fetch's own timer gives up on it.
  if (problem === 'slow') options.delayMs = config.cimdTimeoutMs + 1000;
  if (problem === 'oversize') options.extraBytes = MAX_DOCUMENT_BYTES + 1;

  let fetched;
  let client: ClientRecord;
  try {
    fetched = await fetchDocument(new URL(id), options);
    const body = problem === 'wrong-client-id' ? withClientId(fetched.body, anotherClientId(id)) : fetched.body;
    client = clientFromDocument(id, body, realm.policy, realm.clock.nowSeconds());
  } catch (err) {
    // The rule the fault exercised refuses as it would anyway; the description says who broke it.
    if (problem && err instanceof CimdRefusal) throw new CimdRefusal(err.rule, `${err.message} ${by}`);
    throw err;
  }
  const seconds = freshnessSeconds(fetched);
  // A reset while the document was on its way: the new life of the realm does not inherit it.
  if (seconds > 0 && realm.generation === generation) {
    const now = realm.clock.now();
    realm.cimd.put(client.client_id, client, now, now + seconds * 1000);
  }
  return client;
}

/** A sibling of the URL: the client_id a document served at the wrong place would name. */
function anotherClientId(id: string): string {
  const other = new URL('./another-client.json', id).href;
  return other === id ? `${id}?another` : other;
}

/** The document as the wrong-client-id fault serves it: the same, naming another client. */
function withClientId(body: string, clientId: string): string {
  try {
    const doc = JSON.parse(body) as unknown;
    if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) return JSON.stringify({ ...doc, client_id: clientId });
  } catch {
    // Not JSON: the JSON rule refuses it as it is.
  }
  return body;
}
