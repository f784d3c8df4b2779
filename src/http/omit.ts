/** Removes the fields an `omit` fault names from a JSON object. */
export function omitFields<T extends object>(body: T, omit: readonly string[]): T {
  if (omit.length === 0) return body;
  const copy = { ...body } as Record<string, unknown>;
  for (const f of omit) delete copy[f];
  return copy as T;
}
