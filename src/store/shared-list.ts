/**
 * One frozen array per distinct list of scopes or resources, shared by every record that holds
 * that list. Nearly every grant of a test run holds one of a handful of lists, and an array of two
 * strings costs about 64 bytes: two per code and its tokens, for every grant kept. Records never
 * change their lists (they are replaced whole), so sharing is safe; frozen, a change would throw.
 * Bounded: past MAX_LISTS distinct lists, or for a long list, the list is kept as given.
 */
const MAX_LISTS = 256;
const MAX_KEY = 2048;
const lists = new Map<string, readonly string[]>();

export function sharedList(list: readonly string[]): string[] {
  // A frozen list is one of these already (a grant's, handed on to its tokens), or can be shared as is.
  if (Object.isFrozen(list)) return list as string[];
  // Scope tokens have no space (RFC 6749 §3.3) and neither has a URI (RFC 3986 §2); compared whole
  // all the same, so that no list is ever taken for another.
  const key = list.join(' ');
  const known = lists.get(key);
  if (known !== undefined) return known.length === list.length && known.every((v, i) => v === list[i]) ? (known as string[]) : (list as string[]);
  if (lists.size >= MAX_LISTS || key.length > MAX_KEY) return list as string[];
  const frozen = Object.freeze([...list]);
  lists.set(key, frozen);
  return frozen as string[];
}
