import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { ACCESS_TOKEN_FORMATS, CONSENT_MODES, MCP_ERAS, OFFLINE_ACCESS, REFRESH_TOKEN_ISSUANCE, type AccessTokenFormat, type ConsentMode, type McpEra, type RefreshTokenIssuance } from './policy.js';
import { parseClients, readClientsFile, type PreregisteredClient, type PreregisteredClientInput } from './preregistered.js';
import { PERSONA_NAMES, type PersonaName } from './profiles/personas.js';
import { NEWEST_SPEC, SPEC_VERSIONS, type SpecVersion } from './profiles/spec-presets.js';

/** Everything an instance is configured with, validated and with defaults filled in. */
export interface Config {
  host: string;
  oauthPort: number;
  mcpPort: number;
  /** Canonical issuer: no trailing slash, no query, no fragment. Undefined until ports are known. */
  oauthBaseUrl?: string;
  /** Canonical origin (+ optional path) of the MCP server; the endpoint is `${mcpBaseUrl}/mcp`. */
  mcpBaseUrl?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  seedRefreshToken?: string;
  tokenTtlSeconds: number;
  /** Refresh-token lifetime; the policy's refreshTokenTtlSeconds starts from it. */
  refreshTokenTtlSeconds: number;
  /** When code grants come with a refresh token (SEP-2207); the policy's refreshTokenIssuance starts from it. */
  refreshTokenIssuance: RefreshTokenIssuance;
  /** Which protocol eras the MCP server serves; the policy's mcpEra (the `era` switch) starts from it. */
  mcpEra: McpEra;
  /** What /token mints; the policy's accessTokenFormat starts from it. */
  accessTokenFormat: AccessTokenFormat;
  /** How /authorize decides; the policy's consent (the `consent` switch) starts from it. */
  consent: ConsentMode;
  /** The test users the consent page offers (the `sub` of what it issues); the first is preselected. */
  consentUsers: string[];
  /** SPEC_VERSION: the MCP revision whose preset every realm starts with (profiles/spec-presets.ts). */
  specVersion: SpecVersion;
  /** PERSONA: the provider persona every realm starts with (profiles/personas.ts); undefined: none. */
  persona?: PersonaName;
  /** How the MCP server checks a bearer token: RFC 7662 at the AS, or locally as an RFC 9068 JWT against the AS's JWKS. */
  mcpTokenValidation: 'introspection' | 'jwt';
  scopes: string[];
  allowedOrigins: string[];
  controlToken?: string;
  introspectionClientId: string;
  introspectionClientSecret: string;
  introspectionTimeoutMs: number;
  maxClients: number;
  /** Authorization codes kept at most (spent and expired ones until swept included). */
  maxCodes: number;
  maxAccessTokens: number;
  maxRefreshTokens: number;
  eventCapacity: number;
  /** Realms created with POST /control/realms kept at most, the default realm not counted. */
  maxRealms: number;
  /** How long a created realm may go without a request before it ends, unless its creation gave `ttlSeconds`. */
  realmTtlSeconds: number;
  /** Runs one server alone (the other runs elsewhere); undefined: both, in one process. */
  only?: 'oauth' | 'mcp';
  /** STATE_FILE: where the state survives a restart (persist/state-file.ts); undefined: in memory only. */
  stateFile?: string;
  /** What a state file that cannot be restored does at startup. */
  stateFileOnCorrupt: 'stop' | 'move';
  /** CLIENTS_FILE: where the pre-registered clients were read from. */
  clientsFile?: string;
  /** Pre-registered clients (CLIENTS_FILE or the `clients` option): in every realm from startup, kept by reset. */
  clients: PreregisteredClient[];
  /** CIMD_ALLOW_LOOPBACK: metadata documents may be fetched from loopback addresses (local test clients). */
  cimdAllowLoopback: boolean;
  /** CIMD_CA_FILE: a PEM CA trusted, besides the usual roots, when fetching metadata documents. */
  cimdCaFile?: string;
  /** How long one metadata document fetch may take, DNS to last byte. */
  cimdTimeoutMs: number;
  /** Metadata documents cached at most per realm. */
  cimdMaxDocuments: number;
}

/** Programmatic options: every field optional, values typed. Flags and env map onto these. */
export type ServerOptions = Partial<Omit<Config, 'scopes' | 'allowedOrigins' | 'clients' | 'consentUsers'>> & {
  scopes?: string[] | string;
  consentUsers?: string[] | string;
  allowedOrigins?: string[] | string;
  /** Pre-registered clients given in code; wins over `clientsFile`. */
  clients?: PreregisteredClientInput[];
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Kind = 'port' | 'url' | 'positive-int' | 'string' | 'list' | 'host' | 'choice' | 'boolean';

/** The values of the settings that take one of a few words (kind `choice`). */
const SERVERS = ['oauth', 'mcp'] as const;
const TOKEN_VALIDATIONS = ['introspection', 'jwt'] as const;
const ON_CORRUPT = ['stop', 'move'] as const;

/** `a or b`, `a, or b, or c`: how a refusal names the words a setting takes. */
const choiceList = (choices: readonly string[]): string => choices.join(choices.length === 2 ? ' or ' : ', or ');

/** Test users the consent page offers at most: a short list to pick from, not a directory. */
export const MAX_CONSENT_USERS = 20;
const CONSENT_USER = /^[\x21-\x7e]{1,64}$/;

/** One row per setting: the single source for env names, CLI flags, defaults and the README table. */
export const SETTINGS: ReadonlyArray<{
  key: keyof Config;
  env: string;
  flag?: string;
  kind: Kind;
  /** The words a `choice` setting takes. */
  choices?: readonly string[];
  default: string;
  meaning: string;
}> = [
  { key: 'only', env: 'ONLY', flag: '--only', kind: 'choice', choices: SERVERS, default: '(both)', meaning: 'run one server alone: oauth or mcp (the other runs elsewhere; see "Running the servers apart")' },
  { key: 'oauthPort', env: 'OAUTH_PORT', flag: '--oauth-port', kind: 'port', default: '9100', meaning: 'port of the authorization server (0 = any free port)' },
  { key: 'mcpPort', env: 'MCP_PORT', flag: '--mcp-port', kind: 'port', default: '9101', meaning: 'port of the protected MCP server (0 = any free port)' },
  { key: 'host', env: 'HOST', flag: '--host', kind: 'host', default: '127.0.0.1', meaning: 'interface both servers listen on' },
  { key: 'oauthBaseUrl', env: 'OAUTH_BASE_URL', flag: '--oauth-base-url', kind: 'url', default: 'http(s)://localhost:<OAUTH_PORT>', meaning: 'issuer advertised in discovery, and the URL the MCP server introspects against' },
  { key: 'mcpBaseUrl', env: 'MCP_BASE_URL', flag: '--mcp-base-url', kind: 'url', default: 'http(s)://localhost:<MCP_PORT>', meaning: 'public base of the MCP server; the resource is <MCP_BASE_URL>/mcp' },
  { key: 'tlsCertFile', env: 'TLS_CERT_FILE', flag: '--tls-cert', kind: 'string', default: './certs/localhost.pem if present', meaning: 'PEM certificate; with TLS_KEY_FILE, both servers speak HTTPS' },
  { key: 'tlsKeyFile', env: 'TLS_KEY_FILE', flag: '--tls-key', kind: 'string', default: './certs/localhost-key.pem if present', meaning: 'PEM private key for TLS_CERT_FILE' },
  { key: 'seedRefreshToken', env: 'SEED_REFRESH_TOKEN', flag: '--seed-refresh-token', kind: 'string', default: '(none)', meaning: 'a refresh token valid for any client from startup' },
  { key: 'tokenTtlSeconds', env: 'TOKEN_TTL_SECONDS', flag: '--token-ttl', kind: 'positive-int', default: '3600', meaning: 'access-token lifetime in seconds' },
  { key: 'refreshTokenTtlSeconds', env: 'REFRESH_TOKEN_TTL_SECONDS', flag: '--refresh-token-ttl', kind: 'positive-int', default: '2592000', meaning: 'refresh-token lifetime in seconds (30 days); expired ones are refused and swept' },
  { key: 'refreshTokenIssuance', env: 'REFRESH_TOKEN_ISSUANCE', flag: '--refresh-token-issuance', kind: 'choice', choices: REFRESH_TOKEN_ISSUANCE, default: 'always', meaning: 'when a code grant comes with a refresh token (SEP-2207): always, offline_access (only when the client asked for that scope) or never' },
  { key: 'mcpEra', env: 'MCP_ERA', flag: '--era', kind: 'choice', choices: MCP_ERAS, default: 'dual', meaning: 'protocol eras the MCP server serves: dual (2025 revisions through initialize and 2026-07-28 on one endpoint), modern (2026-07-28 only) or legacy (2025 revisions only)' },
  { key: 'accessTokenFormat', env: 'ACCESS_TOKEN_FORMAT', flag: '--access-token-format', kind: 'choice', choices: ACCESS_TOKEN_FORMATS, default: 'opaque', meaning: 'what /token mints: opaque random strings, or jwt (RFC 9068, signed with the realm\'s key, published at <issuer>/jwks; see "JWT access tokens")' },
  { key: 'consent', env: 'CONSENT', flag: '--consent', kind: 'choice', choices: CONSENT_MODES, default: 'auto', meaning: 'how /authorize decides: auto (approve at once, the scope asked for) or page (a consent page: scopes to untick, a test user to pick, Approve or Deny; see "The consent page")' },
  { key: 'consentUsers', env: 'CONSENT_USERS', flag: '--consent-users', kind: 'list', default: 'test-user alice bob', meaning: `space-separated test users the consent page offers, the first preselected: the \`sub\` of the code and its tokens (at most ${MAX_CONSENT_USERS}, each 1-64 visible ASCII characters); auto consent always issues to test-user` },
  { key: 'specVersion', env: 'SPEC_VERSION', flag: '--spec', kind: 'choice', choices: SPEC_VERSIONS, default: NEWEST_SPEC, meaning: `the MCP specification revision whose authorization rules the servers follow: ${SPEC_VERSIONS.join(', ')} (see "Spec versions and provider personas"; POST /control/profile switches it)` },
  { key: 'persona', env: 'PERSONA', flag: '--persona', kind: 'choice', choices: PERSONA_NAMES, default: '(none)', meaning: `a real provider's documented quirks on top: ${PERSONA_NAMES.join(', ')} (see "Spec versions and provider personas")` },
  { key: 'mcpTokenValidation', env: 'MCP_TOKEN_VALIDATION', flag: '--mcp-token-validation', kind: 'choice', choices: TOKEN_VALIDATIONS, default: 'introspection', meaning: 'how the MCP server checks tokens: introspection (RFC 7662, every request) or jwt (locally against the fetched JWKS: a revoked JWT stays valid until it expires)' },
  { key: 'scopes', env: 'SCOPES', flag: '--scopes', kind: 'list', default: 'mcp:read mcp:write mcp:admin', meaning: 'space-separated scopes the server knows; granted when a client asks for none, but mcp:admin (granted only when asked for)' },
  { key: 'allowedOrigins', env: 'ALLOWED_ORIGINS', flag: '--allowed-origins', kind: 'list', default: '(own origin and loopback)', meaning: 'extra browser Origins the MCP server accepts (DNS-rebinding guard), and the only foreign ones either control plane answers' },
  { key: 'controlToken', env: 'CONTROL_TOKEN', flag: '--control-token', kind: 'string', default: '(none: control plane open)', meaning: 'when set, /control/* requires Authorization: Bearer <CONTROL_TOKEN>' },
  { key: 'introspectionClientId', env: 'INTROSPECTION_CLIENT_ID', kind: 'string', default: 'mcp-resource-server', meaning: 'client id the MCP server authenticates with at /introspect' },
  { key: 'introspectionClientSecret', env: 'INTROSPECTION_CLIENT_SECRET', kind: 'string', default: '(random per process)', meaning: 'its secret; set the same value on both sides when they run in separate processes' },
  { key: 'introspectionTimeoutMs', env: 'INTROSPECTION_TIMEOUT_MS', kind: 'positive-int', default: '5000', meaning: 'how long one /introspect call may take (from when it has a pooled connection, up to 256) before the MCP server answers 401' },
  { key: 'maxClients', env: 'MAX_CLIENTS', kind: 'positive-int', default: '10000', meaning: 'registered clients kept at most; /register answers 429 beyond' },
  { key: 'maxCodes', env: 'MAX_CODES', kind: 'positive-int', default: '100000', meaning: 'authorization codes kept at most; /authorize answers temporarily_unavailable beyond' },
  { key: 'maxAccessTokens', env: 'MAX_ACCESS_TOKENS', kind: 'positive-int', default: '1000000', meaning: 'access tokens kept at most; /token answers 429 beyond' },
  { key: 'maxRefreshTokens', env: 'MAX_REFRESH_TOKENS', kind: 'positive-int', default: '1000000', meaning: 'refresh tokens kept at most; /token answers 429 beyond' },
  { key: 'eventCapacity', env: 'EVENT_CAPACITY', kind: 'positive-int', default: '1000', meaning: 'events kept for GET /control/events' },
  { key: 'maxRealms', env: 'MAX_REALMS', kind: 'positive-int', default: '1000', meaning: 'realms POST /control/realms may create (the default realm not counted); it answers 429 beyond' },
  { key: 'realmTtlSeconds', env: 'REALM_TTL_SECONDS', kind: 'positive-int', default: '3600', meaning: 'a created realm ends after this many seconds without a request (its own ttlSeconds wins)' },
  { key: 'stateFile', env: 'STATE_FILE', flag: '--state-file', kind: 'string', default: '(none: state lives in memory)', meaning: 'a JSON file that keeps clients, tokens, policy, faults, switches and the clock across restarts (see "State that survives a restart")' },
  { key: 'stateFileOnCorrupt', env: 'STATE_FILE_ON_CORRUPT', flag: '--state-file-on-corrupt', kind: 'choice', choices: ON_CORRUPT, default: 'stop', meaning: 'a STATE_FILE that cannot be restored (not JSON, another format, a newer version): stop startup with one line, or move it to <file>.corrupt-<time> and start fresh' },
  { key: 'clientsFile', env: 'CLIENTS_FILE', flag: '--clients-file', kind: 'string', default: '(none)', meaning: 'a JSON array of pre-registered clients (client_secret_basic, client_secret_post, private_key_jwt or none), in every realm from startup and after a reset (see "Pre-registered clients")' },
  { key: 'cimdAllowLoopback', env: 'CIMD_ALLOW_LOOPBACK', kind: 'boolean', default: 'false', meaning: 'true: client ID metadata documents may be fetched from loopback addresses (a test client serving its own document); private and other special-use addresses stay refused' },
  { key: 'cimdCaFile', env: 'CIMD_CA_FILE', kind: 'string', default: '(the usual roots)', meaning: 'a PEM certificate trusted as a CA, besides the usual roots, when fetching client ID metadata documents (e.g. ./certs/localhost.pem)' },
  { key: 'cimdTimeoutMs', env: 'CIMD_TIMEOUT_MS', kind: 'positive-int', default: '5000', meaning: 'how long fetching one client ID metadata document may take, DNS to last byte' },
  { key: 'cimdMaxDocuments', env: 'CIMD_MAX_DOCUMENTS', kind: 'positive-int', default: '1000', meaning: 'client ID metadata documents cached at most per realm; the one fetched longest ago is dropped beyond' },
];

/** The longest a created realm may stay idle: a week (REALM_TTL_SECONDS and a creation's ttlSeconds alike). */
export const MAX_REALM_TTL_SECONDS = 7 * 86400;

const DEFAULTS = {
  host: '127.0.0.1',
  oauthPort: 9100,
  mcpPort: 9101,
  tokenTtlSeconds: 3600,
  refreshTokenTtlSeconds: 30 * 86400,
  refreshTokenIssuance: 'always' as RefreshTokenIssuance,
  mcpEra: 'dual' as McpEra,
  accessTokenFormat: 'opaque' as AccessTokenFormat,
  consent: 'auto' as ConsentMode,
  // SUBJECT (realm.ts) first: a page approved without a pick issues to the user auto consent does.
  consentUsers: ['test-user', 'alice', 'bob'],
  mcpTokenValidation: 'introspection' as const,
  scopes: ['mcp:read', 'mcp:write', 'mcp:admin'],
  allowedOrigins: [] as string[],
  introspectionClientId: 'mcp-resource-server',
  introspectionTimeoutMs: 5000,
  maxClients: 10_000,
  maxCodes: 100_000,
  maxAccessTokens: 1_000_000,
  maxRefreshTokens: 1_000_000,
  eventCapacity: 1000,
  maxRealms: 1000,
  realmTtlSeconds: 3600,
  cimdTimeoutMs: 5000,
  cimdMaxDocuments: 1000,
};

function fail(name: string, expects: string, got: unknown): never {
  throw new ConfigError(`${name} must be ${expects} (got ${JSON.stringify(got)})`);
}

/** Parses one raw string the way its setting's kind says; `name` is what the user typed (env or flag). */
function parseValue(kind: Kind, name: string, raw: string, choices?: readonly string[]): unknown {
  switch (kind) {
    case 'port': {
      const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isInteger(n) || n < 0 || n > 65535) fail(name, 'an integer from 0 to 65535', raw);
      return n;
    }
    case 'positive-int': {
      const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n) || n < 1) fail(name, 'a positive whole number', raw);
      return n;
    }
    case 'list':
      return raw.split(/[\s,]+/).filter(Boolean);
    case 'url':
      return canonicalBaseUrl(raw, name);
    case 'host':
      if (!raw.trim()) fail(name, 'a host name or IP address', raw);
      return raw.trim();
    case 'choice':
      if (!choices!.includes(raw)) fail(name, choiceList(choices!), raw);
      return raw;
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') fail(name, 'true or false', raw);
      return raw === 'true';
    case 'string':
      return raw;
  }
}

/** One canonical spelling for a base URL, so issuer, endpoints and `iss` never drift apart. */
export function canonicalBaseUrl(raw: string, name = 'base URL'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    fail(name, 'an absolute http(s) URL such as http://localhost:9100', raw);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(name, 'an http or https URL', raw);
  if (url.search || url.hash || url.username || url.password) fail(name, 'a URL without query, fragment or credentials', raw);
  return url.origin + url.pathname.replace(/\/+$/, '');
}

/** Reads settings from an env-shaped record: `name` in errors is the variable. */
export function optionsFromEnv(env: Record<string, string | undefined>): ServerOptions {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const raw = env[s.env];
    if (raw === undefined || raw === '') continue;
    out[s.key] = parseValue(s.kind, s.env, raw, s.choices);
  }
  return out as ServerOptions;
}

/** Reads settings from CLI flags (`--oauth-port 9100` already split into a record by the CLI). */
export function optionsFromFlags(flags: Record<string, string>): ServerOptions {
  const out: Record<string, unknown> = {};
  for (const [flag, raw] of Object.entries(flags)) {
    const s = SETTINGS.find((x) => x.flag === flag);
    if (!s) throw new ConfigError(`unknown option ${flag}; see --help`);
    out[s.key] = parseValue(s.kind, `${flag} (${s.env})`, raw, s.choices);
  }
  return out as ServerOptions;
}

/** Reads a `.env` file if it exists; variables already in the environment win over it. */
export function readDotEnv(path = '.env'): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  return parseEnv(text) as Record<string, string>;
}

/** Validates typed options (from code, or already parsed from env/flags) and fills in defaults. */
export function resolveConfig(options: ServerOptions = {}): Config {
  const o = options;
  const int = (v: unknown, name: string, min: number, max: number, fallback: number): number => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      fail(name, `an integer from ${min} to ${max}`, v);
    }
    return v;
  };
  const list = (v: unknown, name: string, fallback: string[]): string[] => {
    if (v === undefined) return fallback;
    if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
    fail(name, 'a list of strings', v);
  };
  const str = (v: unknown, name: string): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') fail(name, 'a non-empty string', v);
    return v;
  };
  const scopes = list(o.scopes, 'scopes', DEFAULTS.scopes);
  for (const s of scopes) {
    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    if (!/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)) fail('SCOPES', 'space-separated scope tokens (RFC 6749 §3.3)', s);
  }
  if (scopes.length === 0) fail('SCOPES', 'at least one scope', '');
  const consentUsers = list(o.consentUsers, 'consentUsers', DEFAULTS.consentUsers);
  if (consentUsers.length === 0 || consentUsers.length > MAX_CONSENT_USERS) fail('CONSENT_USERS', `1 to ${MAX_CONSENT_USERS} user names`, consentUsers.join(' '));
  for (const u of consentUsers) if (!CONSENT_USER.test(u)) fail('CONSENT_USERS', 'user names of 1-64 visible ASCII characters', u);
  if (new Set(consentUsers).size !== consentUsers.length) fail('CONSENT_USERS', 'user names without repeats', consentUsers.join(' '));
  const config: Config = {
    host: str(o.host, 'host') ?? DEFAULTS.host,
    oauthPort: int(o.oauthPort, 'oauthPort', 0, 65535, DEFAULTS.oauthPort),
    mcpPort: int(o.mcpPort, 'mcpPort', 0, 65535, DEFAULTS.mcpPort),
    oauthBaseUrl: o.oauthBaseUrl === undefined ? undefined : canonicalBaseUrl(o.oauthBaseUrl, 'oauthBaseUrl'),
    mcpBaseUrl: o.mcpBaseUrl === undefined ? undefined : canonicalBaseUrl(o.mcpBaseUrl, 'mcpBaseUrl'),
    tlsCertFile: str(o.tlsCertFile, 'tlsCertFile'),
    tlsKeyFile: str(o.tlsKeyFile, 'tlsKeyFile'),
    seedRefreshToken: str(o.seedRefreshToken, 'seedRefreshToken'),
    tokenTtlSeconds: int(o.tokenTtlSeconds, 'tokenTtlSeconds', 1, 10 * 365 * 86400, DEFAULTS.tokenTtlSeconds),
    refreshTokenTtlSeconds: int(o.refreshTokenTtlSeconds, 'refreshTokenTtlSeconds', 1, 10 * 365 * 86400, DEFAULTS.refreshTokenTtlSeconds),
    refreshTokenIssuance: oneOf(o.refreshTokenIssuance, 'refreshTokenIssuance', REFRESH_TOKEN_ISSUANCE, DEFAULTS.refreshTokenIssuance),
    mcpEra: oneOf(o.mcpEra, 'mcpEra', MCP_ERAS, DEFAULTS.mcpEra),
    accessTokenFormat: oneOf(o.accessTokenFormat, 'accessTokenFormat', ACCESS_TOKEN_FORMATS, DEFAULTS.accessTokenFormat),
    consent: oneOf(o.consent, 'consent', CONSENT_MODES, DEFAULTS.consent),
    consentUsers,
    specVersion: oneOf(o.specVersion, 'specVersion', SPEC_VERSIONS, NEWEST_SPEC),
    persona: o.persona === undefined ? undefined : oneOf(o.persona, 'persona', PERSONA_NAMES, PERSONA_NAMES[0]),
    mcpTokenValidation: oneOf(o.mcpTokenValidation, 'mcpTokenValidation', TOKEN_VALIDATIONS, DEFAULTS.mcpTokenValidation),
    scopes,
    allowedOrigins: list(o.allowedOrigins, 'allowedOrigins', DEFAULTS.allowedOrigins),
    controlToken: str(o.controlToken, 'controlToken'),
    introspectionClientId: str(o.introspectionClientId, 'introspectionClientId') ?? DEFAULTS.introspectionClientId,
    introspectionClientSecret: str(o.introspectionClientSecret, 'introspectionClientSecret') ?? randomSecret(),
    introspectionTimeoutMs: int(o.introspectionTimeoutMs, 'introspectionTimeoutMs', 1, 600_000, DEFAULTS.introspectionTimeoutMs),
    maxClients: int(o.maxClients, 'maxClients', 1, 10_000_000, DEFAULTS.maxClients),
    maxCodes: int(o.maxCodes, 'maxCodes', 1, 100_000_000, DEFAULTS.maxCodes),
    maxAccessTokens: int(o.maxAccessTokens, 'maxAccessTokens', 1, 100_000_000, DEFAULTS.maxAccessTokens),
    maxRefreshTokens: int(o.maxRefreshTokens, 'maxRefreshTokens', 1, 100_000_000, DEFAULTS.maxRefreshTokens),
    eventCapacity: int(o.eventCapacity, 'eventCapacity', 1, 1_000_000, DEFAULTS.eventCapacity),
    maxRealms: int(o.maxRealms, 'maxRealms', 1, 100_000, DEFAULTS.maxRealms),
    realmTtlSeconds: int(o.realmTtlSeconds, 'realmTtlSeconds', 1, MAX_REALM_TTL_SECONDS, DEFAULTS.realmTtlSeconds),
    only: o.only === undefined ? undefined : oneOf(o.only, 'only', SERVERS, 'oauth'),
    stateFile: str(o.stateFile, 'stateFile'),
    clientsFile: str(o.clientsFile, 'clientsFile'),
    clients: loadClients(o.clients, str(o.clientsFile, 'clientsFile')),
    stateFileOnCorrupt: oneOf(o.stateFileOnCorrupt, 'stateFileOnCorrupt', ON_CORRUPT, 'stop'),
    cimdAllowLoopback: o.cimdAllowLoopback === undefined ? false : typeof o.cimdAllowLoopback === 'boolean' ? o.cimdAllowLoopback : fail('cimdAllowLoopback', 'true or false', o.cimdAllowLoopback),
    cimdCaFile: str(o.cimdCaFile, 'cimdCaFile'),
    cimdTimeoutMs: int(o.cimdTimeoutMs, 'cimdTimeoutMs', 1, 60_000, DEFAULTS.cimdTimeoutMs),
    cimdMaxDocuments: int(o.cimdMaxDocuments, 'cimdMaxDocuments', 1, 100_000, DEFAULTS.cimdMaxDocuments),
  };
  if (Boolean(config.tlsCertFile) !== Boolean(config.tlsKeyFile)) {
    throw new ConfigError('TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  }
  if (config.only) requireApartSettings(config, o);
  checkClients(config);
  return config;
}

/**
 * Apart, the two servers share nothing but HTTP: the MCP server must know where the authorization
 * server is, and both sides must agree on the secret the MCP server introspects with (a random one
 * per process could never match).
 */
function requireApartSettings(config: Config, o: ServerOptions): void {
  const side = `ONLY=${config.only} (--only ${config.only})`;
  if (o.introspectionClientSecret === undefined) {
    throw new ConfigError(`${side} needs INTROSPECTION_CLIENT_SECRET, set to the same value on both servers, e.g. INTROSPECTION_CLIENT_SECRET=$(openssl rand -hex 16)`);
  }
  if (config.only === 'mcp' && config.oauthBaseUrl === undefined) {
    throw new ConfigError(`${side} needs OAUTH_BASE_URL (--oauth-base-url): the issuer of the running authorization server, e.g. http://localhost:9100`);
  }
}

function loadClients(given: unknown, file: string | undefined): PreregisteredClient[] {
  if (given === undefined && file === undefined) return [];
  const read = given !== undefined ? parseClients(given, 'clients') : readClientsFile(file!);
  if (!read.ok) throw new ConfigError(read.problem);
  return read.clients;
}

/** What a client record can only be checked against once the rest of the configuration is known. */
function checkClients(config: Config): void {
  const source = config.clientsFile === undefined ? 'clients' : `CLIENTS_FILE ${config.clientsFile}`;
  const known = [...config.scopes, OFFLINE_ACCESS];
  config.clients.forEach((c, i) => {
    if (c.client_id === config.introspectionClientId) throw new ConfigError(`${source} [${i}].client_id: is INTROSPECTION_CLIENT_ID, the MCP server's own credentials`);
    const unknown = c.scope?.split(' ').filter((s) => !known.includes(s)) ?? [];
    if (unknown.length) throw new ConfigError(`${source} [${i}].scope: ${unknown.join(' ')} not in SCOPES (${config.scopes.join(' ')})`);
  });
}

/** A typed option that must be one of `choices`; undefined takes `fallback`. */
function oneOf<T extends string>(v: unknown, name: string, choices: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  return (choices as readonly unknown[]).includes(v) ? (v as T) : fail(name, choiceList(choices), v);
}

function randomSecret(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
}
