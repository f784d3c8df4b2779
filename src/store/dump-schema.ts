import { z } from 'zod';
import { AUTH_METHODS } from '../policy.js';
import { MAX_TOMBSTONES, type StoreDump } from './store.js';
import type { AccessRecord, ClientRecord, CodeRecord, RefreshRecord } from './types.js';

/**
 * A StoreDump read back from outside the process (a state file): checked here once, so that `load`
 * may trust it. The shapes mirror store/types.ts; the `satisfies` clauses keep the two in step.
 */

// Tokens we issue are 40-odd characters; seeded ones are at most 4096 (the seed-refresh switch).
const Id = z.string().min(1).max(4096);
const Ms = z.number().int().min(0);
const Seconds = z.number().int().min(0);
const Strings = z.array(z.string().max(4096)).max(1000);

const Grant = { grantId: Id, expiresAt: Ms.optional(), consumedAt: Ms.optional() };

const ClientSchema = z.object({
  client_id: Id,
  client_secret: z.string().max(4096).optional(),
  client_id_issued_at: Seconds,
  client_secret_expires_at: Seconds.optional(),
  redirect_uris: Strings,
  token_endpoint_auth_method: z.enum(AUTH_METHODS),
  grant_types: Strings,
  response_types: Strings,
  metadata: z.record(z.string(), z.unknown()),
}) satisfies z.ZodType<ClientRecord>;

const CodeSchema = z.object({
  ...Grant,
  clientId: Id,
  // JSON drops a key whose value is undefined (redirect_uri omitted at /authorize): absent reads as undefined.
  redirectUri: z.union([z.string().max(4096), z.undefined()]),
  codeChallenge: z.string().max(256),
  scope: Strings,
  resources: Strings,
  sub: z.string(),
  expiresAt: Ms,
}) satisfies z.ZodType<CodeRecord>;

const AccessSchema = z.object({
  ...Grant,
  clientId: Id,
  scope: Strings,
  aud: Strings,
  sub: z.string(),
  iat: Seconds,
  exp: Seconds,
  expiresAt: Ms,
}) satisfies z.ZodType<AccessRecord>;

const RefreshSchema = z.object({
  ...Grant,
  clientId: Id.nullable(),
  scope: Strings,
  resources: Strings,
  sub: z.string(),
  iat: Seconds,
}) satisfies z.ZodType<RefreshRecord>;

const TombstoneSchema = z.object({
  cause: z.enum(['expired', 'revoked', 'revoked-all', 'grant-revoked', 'code-replayed', 'refresh-reused']),
  at: Ms,
  consumedAt: Ms.optional(),
});

const rows = <T extends z.ZodType>(record: T) => z.array(z.tuple([Id, record]));
const graves = rows(TombstoneSchema).max(MAX_TOMBSTONES);

export const StoreDumpSchema = z.object({
  clients: z.array(ClientSchema),
  records: z.object({ code: rows(CodeSchema), access: rows(AccessSchema), refresh: rows(RefreshSchema) }),
  revokedGrants: z.array(z.tuple([Id, Ms])),
  tombstones: z.object({ code: graves, access: graves, refresh: graves }),
}) satisfies z.ZodType<StoreDump>;
