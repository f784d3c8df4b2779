import { expect } from 'vitest';

/**
 * Asserts the standard error shape (RFC 6749 §5.2): JSON, exactly {error, error_description}, a
 * description that says something, the expected status, and never a cached answer.
 */
export async function expectOAuthError(res: Response, status: number, error: string, describes?: RegExp): Promise<string> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
  expect(body.error).toBe(error);
  expect(typeof body.error_description).toBe('string');
  const description = body.error_description as string;
  expect(description.length).toBeGreaterThan(10);
  if (describes) expect(description).toMatch(describes);
  return description;
}
