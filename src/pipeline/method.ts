import { jsonResponse } from '../http/oauth-error.js';
import type { Ctx } from './env.js';

/** 405 with `Allow` (RFC 9110 §15.5.6), for every method an endpoint does not serve. */
export function methodNotAllowed(allow: string) {
  return (c: Ctx): Response => {
    c.get('note').outcome = 'method_not_allowed';
    return jsonResponse(
      { error: 'invalid_request', error_description: `method ${c.req.method} is not allowed here; use ${allow}` },
      405,
      { Allow: allow },
    );
  };
}
