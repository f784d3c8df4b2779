import type { Connected } from '../../src/testing/connect.js';
import { connectWithConsent } from '../../src/testing/connect.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';

export type { Connected };

/** The package's connectWithConsent, under the name the tests use. */
export function connect(mcpUrl: string, provider = new HeadlessOAuthProvider()): Promise<Connected> {
  return connectWithConsent(mcpUrl, provider);
}

/** Text of the first content item of a tool result. */
export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content[0]?.text ?? '';
}
