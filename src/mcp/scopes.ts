import type { Policy } from '../policy.js';

/** The scopes each tool needs beyond a valid token; a tool not listed needs none. */
export const TOOL_SCOPES: Readonly<Record<string, readonly string[]>> = { 'admin-echo': ['mcp:admin'] };

/** What a call lacks: the challenge names `scope`, every scope the call needs (SEP-2350: held ∪ required). */
export interface ScopeShortfall {
  missing: string[];
  scope: string;
}

/**
 * The scopes a grant counts as, with the policy's hierarchy followed to its end (the 2026-07-28
 * authorization text has servers account for scope hierarchies): `mcp:write` → `mcp:read` means a token
 * holding mcp:write may call what needs mcp:read.
 */
export function effectiveScopes(held: readonly string[], implications: Policy['scopeImplications']): Set<string> {
  const have = new Set(held);
  const pending = [...held];
  // Each scope is expanded once, so a cycle (a → b → a) ends; the policy bounds the sizes.
  for (let s = pending.pop(); s !== undefined; s = pending.pop()) {
    for (const implied of implications[s] ?? []) {
      if (!have.has(implied)) {
        have.add(implied);
        pending.push(implied);
      }
    }
  }
  return have;
}

/** Whether a token holding `held` may make a call that needs `required`; undefined when it may. */
export function shortfall(held: readonly string[], required: readonly string[], implications: Policy['scopeImplications']): ScopeShortfall | undefined {
  if (required.length === 0) return undefined;
  const have = effectiveScopes(held, implications);
  const missing = required.filter((s) => !have.has(s));
  if (missing.length === 0) return undefined;
  return { missing, scope: [...new Set([...held, ...required])].join(' ') };
}

/**
 * The scope the step-up switch demands of a token: the first request-only scope it does not hold
 * (mcp:admin by default), so the challenge can be met by a new consent. Undefined when it holds them all.
 */
export function stepUpScope(held: readonly string[], policy: Pick<Policy, 'scopes' | 'requestOnlyScopes' | 'scopeImplications'>): string | undefined {
  const have = effectiveScopes(held, policy.scopeImplications);
  return policy.requestOnlyScopes.find((s) => policy.scopes.includes(s) && !have.has(s));
}
