import { z } from 'zod';

/** What a switch takes: exactly the original contract's bodies. */
export const ARGS = {
  on: { schema: z.object({ on: z.boolean() }).strict(), example: '{"on":true}' },
  seconds: { schema: z.object({ seconds: z.number().int().positive().max(10 * 365 * 86400) }).strict(), example: '{"seconds":5}' },
  token: { schema: z.object({ token: z.string().min(1).max(4096) }).strict(), example: '{"token":"my-refresh-token"}' },
  none: { schema: z.object({}).strict(), example: '(no body)' },
} as const;
export type ArgKind = keyof typeof ARGS;
export type ArgValue<K extends ArgKind> = K extends 'on' ? boolean : K extends 'seconds' ? number : K extends 'token' ? string : void;

/** The JSON body a switch call sends for an argument value. */
export function bodyFor(arg: ArgKind, value: unknown): unknown {
  if (arg === 'on') return { on: value };
  if (arg === 'seconds') return { seconds: value };
  if (arg === 'token') return { token: value };
  return undefined;
}

/**
 * Every switch, once: the control route (`POST /control/<name>` on `server`), the ControlClient
 * method, and the CLI scenario are all derived from this table. Names and bodies are the original
 * contract's; `scenario` is the name `npm run scenario` knows it by.
 */
export const SWITCHES = {
  rotate: { server: 'oauth', arg: 'on', method: 'rotate', scenario: 'rotate', does: 'rotate the refresh token on every refresh grant' },
  'expires-in': { server: 'oauth', arg: 'seconds', method: 'expiresIn', scenario: 'expire-access', does: 'TTL of access tokens issued from now on' },
  'revoke-access': { server: 'oauth', arg: 'none', method: 'revokeAccess', scenario: 'revoke', does: 'revoke every live access token (next MCP call → 401)' },
  'invalid-grant': { server: 'oauth', arg: 'on', method: 'invalidGrant', scenario: 'dead-refresh', does: 'every refresh grant answers 400 invalid_grant' },
  'deny-consent': { server: 'oauth', arg: 'on', method: 'denyConsent', scenario: 'deny-consent', does: '/authorize redirects back with error=access_denied' },
  'seed-refresh': { server: 'oauth', arg: 'token', method: 'seedRefresh', scenario: 'seed-refresh', does: 'make a refresh token valid for any client' },
  'force-403': { server: 'mcp', arg: 'on', method: 'force403', scenario: 'bad-scope', does: 'tool calls answer 403 insufficient_scope' },
  reset: { server: 'both', arg: 'none', method: 'reset', scenario: 'reset', does: 'back to the startup state: clients, tokens, switches, faults, clock (clients must consent again)' },
} as const satisfies Record<string, { server: 'oauth' | 'mcp' | 'both'; arg: ArgKind; method: string; scenario: string; does: string }>;

export type SwitchName = keyof typeof SWITCHES;
export const SWITCH_NAMES = Object.keys(SWITCHES) as SwitchName[];

/** Switches whose effect is a fault with a fixed id, so GET /control/state can show them as on/off. */
export const SWITCH_FAULT_IDS = { invalidGrant: 'invalid-grant', denyConsent: 'deny-consent', force403: 'force-403' } as const;
