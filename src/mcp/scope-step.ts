import type { Ctx } from '../pipeline/env.js';
import type { McpExchange, Step } from './chain.js';
import { challengeResponse } from './challenge.js';
import { challengeMetadataUrl } from './resource-metadata.js';
import { shortfall, stepUpScope, TOOL_SCOPES, type ScopeShortfall } from './scopes.js';

/** Why a call is refused, for error_description: what it lacks and how to get it. */
function refusal(c: Ctx, x: McpExchange, held: string[]): { short: ScopeShortfall; description: string } | undefined {
  const realm = c.get('realm');
  const policy = realm.policy;
  const required = [...new Set(x.tools.flatMap((t) => TOOL_SCOPES[t] ?? []))];
  const short = shortfall(held, required, policy.scopeImplications);
  // No `scope=` in the description: the SDK 1.32.2 client reads the first `scope=` anywhere in the header.
  const ask = (s: ScopeShortfall) => `authorize again for every scope it needs: ${s.scope} (SEP-2350)`;
  if (short) return { short, description: `${x.tools.filter((t) => TOOL_SCOPES[t]).join(', ')} needs ${short.missing.join(' ')}, which the access token lacks; ${ask(short)}` };
  // The switch asks only for a scope a new consent can grant, and only of a token that lacks it.
  if (!realm.stepUp.armed) return undefined;
  const extra = stepUpScope(held, policy);
  if (extra === undefined || !realm.stepUp.take()) return undefined;
  const demanded = { missing: [extra], scope: [...new Set([...held, extra])].join(' ') };
  return { short: demanded, description: `this call needs ${extra} (step-up switch is on); ${ask(demanded)}` };
}

/**
 * Tools that need a scope, and the step-up switch: a tools/call whose token lacks a scope gets
 * 403 insufficient_scope naming held ∪ required (RFC 6750 §3.1, SEP-2350). The decision is ours,
 * made before the SDK sees the call, so it does not depend on the SDK's tool callbacks.
 */
export const requireToolScopes: Step = (c, x) => {
  if (x.tools.length === 0 || !x.facts || !x.token) return undefined;
  const realm = c.get('realm');
  const clientId = x.facts.clientId ?? '(no client_id)';
  // Every tools/call comes here: with no tool needing a scope and the switch off, nothing to decide.
  const refused = x.tools.some((t) => TOOL_SCOPES[t]) || realm.stepUp.armed ? refusal(c, x, x.facts.scope.split(' ').filter(Boolean)) : undefined;
  if (!refused) {
    realm.stepUp.passed(clientId, x.token);
    return undefined;
  }
  const { short, description } = refused;
  const repeats = realm.stepUp.challenged(clientId, x.token, short.scope);
  const limit = realm.policy.stepUpReauthorizationLimit;
  const note = c.get('note');
  note.outcome = 'insufficient_scope';
  note.challengeScope = short.scope;
  // A client that keeps re-authorizing without the scope the challenge names is looping (it asked for the old scope, not the union).
  // First, so that a shortened event line still says it.
  note.reason = repeats > limit ? `client ${clientId} re-authorized ${repeats} times for this same challenge, more than stepUpReauthorizationLimit ${limit}: ${description}` : description;
  return challengeResponse({ status: 403, error: 'insufficient_scope', description, scope: short.scope }, challengeMetadataUrl(c.get('urls'), c.get('realm').policy));
};
