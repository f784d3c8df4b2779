import { NO_STORE, jsonResponse } from '../http/oauth-error.js';
import { FaultAnswer } from '../pipeline/strike.js';
import type { Ctx } from '../pipeline/env.js';
import type { TokenShape } from '../faults.js';
import type { TokenResponse } from './issue.js';

/**
 * The error-200 quirks (faults.ts TOKEN_SHAPES): a refusal sent as HTTP 200, Slack's `{"ok":false}`
 * or a bare `{"error":…}`, so a client that trusts the status reads an error as tokens. Thrown before
 * the grant runs: nothing is issued or spent.
 */
export function refuseWith200(c: Ctx, quirk: TokenShape, error = 'invalid_grant'): never {
  const description = `${error} sent as HTTP 200 by a token-shape fault (${quirk})`;
  const body = quirk === 'error-200-slack' ? { ok: false, error } : { error, error_description: description };
  c.get('note').outcome = error;
  throw new FaultAnswer(jsonResponse(body, 200, NO_STORE));
}

/**
 * The `slack-user-token` quirk's refusals: whatever /token refuses (a bad code, an unknown client) is
 * answered as Slack's oauth.v2.user.access answers it, HTTP 200 `{"ok":false,"error":…}`.
 */
export function slackRefusal(error: string): Response {
  return jsonResponse({ ok: false, error }, 200, NO_STORE);
}

/** Whether a request's Accept names JSON (GitHub answers JSON only then: `Accept: application/json`). */
const acceptsJson = (accept: string | undefined): boolean => /(^|[\s,])application\/json(\s*(;|,|$))/i.test(accept ?? '');

const formEncoded = (fields: Record<string, unknown>): Response =>
  new Response(new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)])).toString(), {
    status: 200,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...NO_STORE },
  });

/** /token's answer bent by a granting token-shape quirk; the tokens in it are issued and kept as usual. */
export function shapedTokenResponse(body: TokenResponse, quirk: TokenShape, accept?: string): Response {
  const fields: Record<string, unknown> = { ...body };
  switch (quirk) {
    case 'lowercase-bearer':
      fields.token_type = 'bearer';
      break;
    case 'no-expires-in':
      delete fields.expires_in;
      break;
    case 'string-expires-in':
      fields.expires_in = String(body.expires_in);
      break;
    case 'no-scope':
      delete fields.scope;
      break;
    case 'narrowed-scope':
      // The record keeps every scope granted: a client believing the answer under-uses its token.
      if (typeof body.scope === 'string') fields.scope = body.scope.split(' ')[0];
      break;
    case 'null-fields':
      fields.refresh_token ??= null;
      fields.id_token = null;
      break;
    case 'form-encoded':
      return formEncoded(fields);
    case 'form-encoded-unless-json':
      if (!acceptsJson(accept)) return formEncoded(fields);
      break;
    case 'slack-user-token':
      return jsonResponse({ ok: true, ...fields, token_type: 'user' }, 200, NO_STORE);
    case 'status-201':
      return jsonResponse(fields, 201, NO_STORE);
    case 'error-200-slack':
    case 'error-200':
      break;
  }
  return jsonResponse(fields, 200, NO_STORE);
}
