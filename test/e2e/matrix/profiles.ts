import type { Profile } from '../../../src/profiles/profile.js';
import type { Row } from './row.js';

/**
 * Each spec preset and each persona (README "Spec versions and provider personas"), asserted by
 * test/e2e/profile-clients.test.ts: the SDK v2 client, the SDK 1.32.2 client and oauth4webapi, each
 * to a tool call ("connects"), or the error it ended with. The personas have no dynamic registration
 * (as the providers have none), so their rows run with a pre-registered public client, as a host
 * configured for that provider would.
 */
export interface ProfileRow extends Row {
  profile: Partial<Profile>;
}

const all = (outcome: string) => ({ v2: outcome, sdk1: outcome, o4w: outcome });

export const ROWS: ProfileRow[] = [
  // A 2025-03-26 client finds no PRM, takes the MCP server's origin as the authorization base URL and
  // its metadata (or the default endpoints) there: each client here supports that fallback.
  { knob: 'spec 2025-03-26', profile: { spec: '2025-03-26' }, ...all('connects') },
  { knob: 'spec 2025-06-18', profile: { spec: '2025-06-18' }, ...all('connects') },
  { knob: 'spec 2025-11-25', profile: { spec: '2025-11-25' }, ...all('connects') },
  { knob: 'spec 2026-07-28 (default)', profile: { spec: '2026-07-28' }, ...all('connects') },
  // Both SDKs take "token_type":"user" and the extra "ok" as tokens; oauth4webapi knows only Bearer and DPoP.
  { knob: 'persona slack', profile: { persona: 'slack' }, v2: 'connects', sdk1: 'connects', o4w: 'UnsupportedOperationError OAUTH_UNSUPPORTED_OPERATION' },
  // All three send Accept: application/json at /token, so GitHub's form encoding never reaches them.
  { knob: 'persona github', profile: { persona: 'github' }, ...all('connects') },
  // Both SDKs send RFC 8707 resource with the PRM's plain scopes; this oauth4webapi run sends no resource.
  { knob: 'persona entra', profile: { persona: 'entra' }, v2: 'OAuthError invalid_target', sdk1: 'Error: authorization failed: invalid_target', o4w: 'connects' },
  // The rotation leeway itself is proven at the wire (test/oauth/persona-quirks.test.ts); here, sign-in and a tool call.
  { knob: 'persona atlassian', profile: { persona: 'atlassian' }, ...all('connects') },
  { knob: 'persona cognito', profile: { persona: 'cognito' }, ...all('connects') },
];
