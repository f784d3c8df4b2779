import type { CheckDef } from './check-defs.js';
import { AUTHORIZATION_CHECKS } from './checks-authorization.js';
import { SESSION_CHECKS } from './checks-session.js';

export { SCOPE_RETRY_LIMIT, REGISTRATION_STORM, PARALLEL_AUTHORIZATIONS, INVALID_GRANT_LOOP, type CheckDef, type GradeContext, type Verdict } from './check-defs.js';

/** The catalogue, in the order a card lists them: one entry per check id (README "The checks"). */
export const CHECKS: CheckDef[] = [...AUTHORIZATION_CHECKS, ...SESSION_CHECKS];

export const CHECK_IDS = CHECKS.map((c) => c.id);
