/**
 * A copy of `s` that shares no memory with it. V8 often hands out a parameter value as a slice of
 * the string it was parsed from (the whole request body or URL); a record that keeps the slice keeps
 * the whole request alive, so 300 refresh grants padded with 60 KB each would hold 18 MB. Form and
 * query values are read through here (form.ts). The bytes are copied (UTF-16, so lone
 * surrogates survive); `(' ' + s).slice(1)` and the like only happen to flatten in some V8 versions.
 */
export function flat(s: string): string {
  // V8 makes no slice shorter than 13 characters (SlicedString::kMinLength): those are copies already.
  if (s.length < 13) return s;
  return Buffer.from(s, 'utf16le').toString('utf16le');
}

/** `flat` of each string of a list, as a new array. */
export function flatAll(list: readonly string[]): string[] {
  return list.map(flat);
}

/** `flat`, passing undefined through. */
export function flatOpt(s: string | undefined): string | undefined {
  return s === undefined ? undefined : flat(s);
}
