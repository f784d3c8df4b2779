import type { Hono } from 'hono';
import { controlOriginAllowed, corsForBrowsers, isControlPath, isSiblingOrigin, MCP_ALLOW_HEADERS, MCP_EXPOSE_HEADERS } from '../http/cors.js';
import { createBaseApp } from '../pipeline/base-app.js';
import type { AppEnv, Ctx, RealmResolver } from '../pipeline/env.js';
import { methodNotAllowed } from '../pipeline/method.js';
import { InjectedError, strike } from '../pipeline/strike.js';
import { grantedByDefault, resourceScopes, type Policy } from '../policy.js';
import type { Realm } from '../realm.js';
import type { RealmUrls } from '../urls.js';
import { checkBearer } from './bearer.js';
import { chain, type McpExchange, type Step } from './chain.js';
import { challengeResponse } from './challenge.js';
import { challengeMetadataUrl, mountResourceMetadata } from './resource-metadata.js';
import { eraOf } from './era.js';
import { McpHandler } from './handler.js';
import { guardOrigin, originAllowed } from './origin.js';
import { peekRpc } from './rpc-peek.js';
import { requireToolScopes } from './scope-step.js';
import type { CallFacts } from './tools.js';
import type { TokenVerifier } from './verifier.js';
import { factDigest } from '../secrets.js';

const NO_QUERY = new URLSearchParams();

/**
 * The scopes a challenge names when it is not about one tool: what a client asking for none gets
 * (no request-only scope), and never offline_access (SEP-2207: a resource does not ask for it).
 */
const challengeScope = (policy: Policy): string =>
  grantedByDefault({ scopes: [...resourceScopes(policy)], requestOnlyScopes: policy.requestOnlyScopes }).join(' ');

/** The bearer check: a challenge, or the verified token on the exchange. Tells the operator once when the verifier goes down. */
function requireBearer(verifierOf: (realm: Realm) => TokenVerifier): Step {
  let down = false;
  return async (c, x) => {
    const realm = c.get('realm');
    const verifier = verifierOf(realm);
    const note = c.get('note');
    // Most requests carry no query: skip parsing the URL for them (it shows in the profile).
    const q = c.req.url.indexOf('?');
    const query = q < 0 ? NO_QUERY : new URLSearchParams(c.req.url.slice(q + 1));
    const urls = c.get('urls');
    // MCP 2025-03-26: a token from the authorization server answering at this origin names it as its issuer.
    const issuer = realm.policy.asAtResourceOrigin ? [urls.issuer, urls.atResourceOrigin.issuer] : urls.issuer;
    const check = await checkBearer(c.req.header('authorization'), query, urls.resource, () => challengeScope(realm.policy), verifier, issuer);
    const cause = check.ok ? undefined : check.verifierUnavailable;
    if (cause !== undefined && !down) {
      down = true;
      realm.notice(`[mcp] ${verifier.source} failed: ${cause}. Check OAUTH_BASE_URL: is the authorization server running and reachable from here?`);
    } else if (check.ok && down) {
      down = false;
      realm.notice(`[mcp] ${verifier.source} works again`);
    }
    if (!check.ok) {
      note.outcome = check.challenge.error ?? 'unauthorized';
      note.reason = check.challenge.description;
      note.challengeScope = check.challenge.scope;
      // Whose token was refused, for a report card (revocation honoured, bearer in the query): its digest, never the token.
      note.bearerIn = check.bearerIn;
      if (check.presented) note.tokenDigest = factDigest(check.presented);
      return challengeResponse(check.challenge, challengeMetadataUrl(c.get('urls'), c.get('realm').policy));
    }
    note.clientId = check.facts.clientId;
    note.bearerIn = 'header';
    x.token = check.token;
    x.facts = check.facts;
    return undefined;
  };
}

/** Faults at /mcp: an injected OAuth error is a Bearer challenge (RFC 6750 §3). */
const mcpFaults: Step = async (c, x) => {
  const realm = c.get('realm');
  if (x.rpcMethod === 'tools/call') realm.counters.toolCalls++;
  try {
    await strike(c, 'mcp', { rpcMethod: x.rpcMethod });
    return undefined;
  } catch (err) {
    // A FaultAnswer (status, drop) goes on to the base app, which sends it as it is.
    if (!(err instanceof InjectedError)) throw err;
    const status = (err.status === 400 || err.status === 401 || err.status === 403 ? err.status : 401) as 400 | 401 | 403;
    const note = c.get('note');
    note.outcome = err.code;
    note.challengeScope = challengeScope(realm.policy);
    return challengeResponse({ status, error: err.code, description: err.description, scope: note.challengeScope }, challengeMetadataUrl(c.get('urls'), c.get('realm').policy));
  }
};

/** The era this request is served in under the realm's setting; the event records it. */
const classifyEra: Step = (c, x) => {
  x.era = eraOf(c.get('realm').policy.mcpEra, x.parsed, c.req.raw.headers);
  const note = c.get('note');
  note.era = x.era.era;
  note.protocolVersion = x.era.protocolVersion;
  note.protocolHeader = c.req.raw.headers.has('mcp-protocol-version');
  return undefined;
};

/** What the SDK's refusal of a 2026-07-28 request said (SEP-2243 headers, versions): the event's reason. */
async function noteRefusal(c: Ctx, res: Response): Promise<Response> {
  if (res.status !== 400) return res;
  const body = (await res
    .clone()
    .json()
    .catch(() => undefined)) as { error?: { code?: unknown; message?: unknown } } | undefined;
  const code = body?.error?.code;
  const note = c.get('note');
  note.outcome = code === -32020 ? 'header-mismatch' : code === -32022 ? 'unsupported-protocol-version' : 'bad-request';
  if (typeof body?.error?.message === 'string') note.reason = body.error.message;
  return res;
}

/** The official SDK v2 (handler.ts), given what the verifier said of the token and the request's era. */
function serveWith(handler: McpHandler) {
  return async (c: Ctx, x: McpExchange): Promise<Response> => {
    const facts = x.facts!;
    const era = x.era!;
    const extra: CallFacts = {
      facts: { client_id: facts.clientId, sub: facts.sub, scope: facts.scope, aud: facts.aud.length === 1 ? facts.aud[0] : facts.aud, exp: facts.exp },
      era: era.era,
      protocolVersion: era.protocolVersion,
    };
    const authInfo = {
      token: x.token!,
      clientId: facts.clientId ?? '',
      scopes: facts.scope.split(' ').filter(Boolean),
      expiresAt: facts.exp,
      resource: c.get('urls').resourceUrl,
      extra,
    };
    // Unparsable JSON goes to the SDK as it came, so that it answers with its JSON-RPC parse error.
    const request = x.parsed === undefined ? new Request(c.req.raw.url, { method: 'POST', headers: c.req.raw.headers, body: x.text }) : c.req.raw;
    const res = await handler.handle(request, x.parsed, authInfo, era.era);
    return era.era === 'modern' ? noteRefusal(c, res) : res;
  };
}

/**
 * The protected MCP server as a Hono app: RFC 9728 discovery, and /mcp as a chain —
 * origin guard → JSON-RPC peek → era → bearer check → faults → tool scopes → the official SDK v2.
 */
export function buildMcpApp(
  urls: RealmUrls,
  resolveRealm: RealmResolver,
  opts: {
    verifier: TokenVerifier;
    allowedOrigins: readonly string[];
    handler: McpHandler;
    /** Realms under /r/<id> introspect at their own issuer: the verifier for a request's realm (default: `verifier`). */
    verifierFor?: (realm: Realm) => TokenVerifier;
    /** The AS runs in this process: its origin may use the control plane (the dashboard's MCP switches). */
    sibling?: boolean;
  },
  extra?: (app: Hono<AppEnv>) => void,
): Hono<AppEnv> {
  const app = createBaseApp('mcp', resolveRealm);
  const ownOrigin = new URL(urls.mcpBase).origin;
  const allowed = opts.allowedOrigins;
  const withCors = corsForBrowsers<AppEnv>({
    origin: (o) => (originAllowed(o, ownOrigin, allowed) ? o : null),
    allowHeaders: MCP_ALLOW_HEADERS,
    exposeHeaders: MCP_EXPOSE_HEADERS,
    maxAge: 86400,
  });
  // The AS of this process (opts.sibling): its dashboard writes these switches with the session
  // cookie, so the answer allows credentials, for that origin only.
  const siblingCors = corsForBrowsers<AppEnv>({ origin: (o) => o, credentials: true, allowHeaders: ['Content-Type'], allowMethods: ['GET', 'POST', 'DELETE'], maxAge: 600 });
  // The control plane has a stricter rule than /mcp (own origin or ALLOWED_ORIGINS, not any loopback):
  // a foreign origin gets no CORS headers at all there, not even on a preflight, and the control step refuses it.
  app.use('*', (c, next) => {
    if (!isControlPath(c.req.path, urls.mcpBasePath)) return withCors(c, next);
    const origin = c.req.header('origin');
    if (opts.sibling && isSiblingOrigin(origin, [c.get('urls').issuer, c.get('realm').issuer])) return siblingCors(c, next);
    return controlOriginAllowed(origin, ownOrigin, allowed) ? withCors(c, next) : next();
  });
  mountResourceMetadata(app, urls);
  // A browser opening the MCP server's root is sent to the dashboard, on the AS (README "The dashboard");
  // other clients keep the JSON 404, which names the path.
  app.get('/', (c, next) => {
    if (!/\btext\/html\b/i.test(c.req.header('accept') ?? '')) return next();
    c.get('note').silent = true;
    return new Response(null, { status: 303, headers: { Location: `${c.get('urls').issuer}/`, 'Cache-Control': 'no-store' } });
  });

  const countRequest: Step = (c) => {
    c.get('note').endpoint = 'mcp';
    c.get('realm').counters.mcpRequests++;
    return undefined;
  };
  const bearer = requireBearer(opts.verifierFor ?? (() => opts.verifier));
  const serveMcp = chain([countRequest, guardOrigin(ownOrigin, allowed), peekRpc, classifyEra, bearer, mcpFaults, requireToolScopes], serveWith(opts.handler));
  // Stateless server: no standalone SSE stream (GET) and no session to delete (DELETE). Yet a client
  // may probe with either before it has a token (mcp-remote opens with GET): it must meet the same
  // challenge as a POST to discover the authorization server, so authentication comes first.
  const refuseMethod = methodNotAllowed('POST');
  const authThen405 = chain([countRequest, guardOrigin(ownOrigin, allowed), bearer], async (c) => refuseMethod(c));
  const endpoint = new URL(urls.resource).pathname;
  for (const at of new Set([endpoint, '/mcp'])) {
    app.post(at, serveMcp);
    app.on(['GET', 'DELETE'], at, authThen405);
    app.all(at, refuseMethod);
  }
  // Like /mcp, the control plane answers under the base URL's path and at the root.
  extra?.(app);
  if (urls.mcpBasePath) extra?.(app.basePath(urls.mcpBasePath));
  return app;
}
