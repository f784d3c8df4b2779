import { z } from 'zod';
import { CONSENT_MODES, MCP_ERAS, type ConsentMode, type McpEra } from '../policy.js';

/** What a switch takes: exactly the original contract's bodies. */
export const ARGS = {
  on: { schema: z.object({ on: z.boolean() }).strict(), example: '{"on":true}' },
  seconds: { schema: z.object({ seconds: z.number().int().positive().max(10 * 365 * 86400) }).strict(), example: '{"seconds":5}' },
  token: { schema: z.object({ token: z.string().min(1).max(4096) }).strict(), example: '{"token":"my-refresh-token"}' },
  none: { schema: z.object({}).strict(), example: '(no body)' },
  era: { schema: z.object({ era: z.enum(MCP_ERAS) }).strict(), example: '{"era":"modern"} (dual, modern or legacy)' },
  consent: { schema: z.object({ mode: z.enum(CONSENT_MODES) }).strict(), example: '{"mode":"page"} (auto or page)' },
  calls: {
    schema: z.union([z.object({ calls: z.number().int().positive().max(1_000_000) }).strict(), z.object({ on: z.boolean() }).strict()]),
    example: '{"calls":1} or {"on":true}',
  },
} as const;
export type ArgKind = keyof typeof ARGS;
export type ArgValue<K extends ArgKind> = K extends 'on' ? boolean : K extends 'seconds' ? number : K extends 'token' ? string : K extends 'calls' ? number | boolean : K extends 'era' ? McpEra : K extends 'consent' ? ConsentMode : void;

/** The JSON body a switch call sends for an argument value. */
export function bodyFor(arg: ArgKind, value: unknown): unknown {
  if (arg === 'on') return { on: value };
  if (arg === 'seconds') return { seconds: value };
  if (arg === 'token') return { token: value };
  if (arg === 'calls') return typeof value === 'number' ? { calls: value } : { on: value };
  if (arg === 'era') return { era: value };
  if (arg === 'consent') return { mode: value };
  return undefined;
}

/**
 * Every switch, once, under one name: the control route (`POST /control/<name>` on `server`), the
 * key in `/control/state`'s `switches`, and the CLI scenario. The names are the original contract's
 * paths; `aliases` are the contract's other scenario names (`bad-scope`…), kept working in the CLI
 * and answered with "did you mean" at the control plane. `method` is the ControlClient method.
 */
export const SWITCHES = {
  rotate: { server: 'oauth', arg: 'on', method: 'rotate', aliases: [], does: 'rotate the refresh token on every refresh grant' },
  'expires-in': { server: 'oauth', arg: 'seconds', method: 'expiresIn', aliases: ['expire-access'], does: 'TTL of access tokens issued from now on' },
  'revoke-access': { server: 'oauth', arg: 'none', method: 'revokeAccess', aliases: ['revoke'], does: 'revoke every live access token (next MCP call → 401)' },
  'invalid-grant': { server: 'oauth', arg: 'on', method: 'invalidGrant', aliases: ['dead-refresh'], does: 'every refresh grant answers 400 invalid_grant' },
  'deny-consent': { server: 'oauth', arg: 'on', method: 'denyConsent', aliases: [], does: '/authorize redirects back with error=access_denied' },
  consent: { server: 'oauth', arg: 'consent', method: 'consent', aliases: [], does: 'how /authorize decides: auto (approve at once) or page (the consent page: scopes, test user, Approve or Deny)' },
  'seed-refresh': { server: 'oauth', arg: 'token', method: 'seedRefresh', aliases: [], does: 'make a refresh token valid for any client' },
  'force-403': { server: 'mcp', arg: 'on', method: 'force403', aliases: ['bad-scope'], does: 'tool calls answer 403 insufficient_scope' },
  'step-up': { server: 'mcp', arg: 'calls', method: 'stepUp', aliases: [], does: 'the next N tool calls (or all, while on) answer 403 insufficient_scope naming a scope a new consent grants (mcp:admin)' },
  era: { server: 'mcp', arg: 'era', method: 'era', aliases: [], does: 'protocol eras /mcp serves: dual (2025 initialize and 2026-07-28), modern (2026-07-28 only) or legacy (2025 only)' },
  reset: { server: 'both', arg: 'none', method: 'reset', aliases: [], does: 'back to the startup state of both servers: clients, tokens, switches, faults, clock (clients must consent again)' },
} as const satisfies Record<string, { server: 'oauth' | 'mcp' | 'both'; arg: ArgKind; method: string; aliases: readonly string[]; does: string }>;

export type SwitchName = keyof typeof SWITCHES;
export const SWITCH_NAMES = Object.keys(SWITCHES) as SwitchName[];

/** An alias (the contract's other scenario names) → the switch's one name. */
export const SWITCH_ALIASES: ReadonlyMap<string, SwitchName> = new Map(SWITCH_NAMES.flatMap((n) => SWITCHES[n].aliases.map((a): [string, SwitchName] => [a, n])));

/** Switches whose effect is a fault with a fixed id (the switch's name), so GET /control/state can show them as on/off. */
export const SWITCH_FAULT_IDS = { 'invalid-grant': 'invalid-grant', 'deny-consent': 'deny-consent', 'force-403': 'force-403' } as const;
