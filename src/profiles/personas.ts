import type { FaultSpec } from '../faults.js';
import type { PolicyPatch } from '../policy.js';

/** One documented habit of a real provider, with the public page that documents it. */
export interface Quirk {
  what: string;
  reference: string;
}

/**
 * A real provider's documented quirks as data: a policy change (what the standards permit) and
 * standing faults (what departs from them, added until the persona is switched off, no `times`).
 * A persona is a bundle of knobs that exist anyway, never a fork of a handler.
 */
export interface Persona {
  name: string;
  summary: string;
  policy: PolicyPatch;
  faults: FaultSpec[];
  quirks: Quirk[];
  /** What the provider does that this persona does not reproduce, said so rather than faked. */
  notReproduced: string[];
}

const SLACK_TOKEN = 'https://docs.slack.dev/reference/methods/oauth.v2.user.access';
const GITHUB_AUTHORIZING = 'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps';
const ENTRA_CODE_FLOW = 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow';
const ATLASSIAN_ROTATION = 'https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/#use-a-refresh-token-to-get-another-access-token-and-refresh-token-pair';
const COGNITO_SCOPES = 'https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-define-resource-servers.html';

export const PERSONAS = {
  slack: {
    name: 'slack',
    summary: "Slack's user-token OAuth (oauth.v2.user.access)",
    policy: { dynamicRegistration: false },
    faults: [{ id: 'persona-slack-token', endpoint: 'token', effect: { kind: 'token-shape', quirk: 'slack-user-token' } }],
    quirks: [
      { what: 'tokens come as {"ok":true,…,"token_type":"user"} (token-shape slack-user-token)', reference: SLACK_TOKEN },
      { what: 'every /token refusal is HTTP 200 {"ok":false,"error":…} (the same quirk)', reference: SLACK_TOKEN },
      { what: 'no dynamic registration: apps are created in the app settings, which issue client_id and client_secret', reference: 'https://docs.slack.dev/authentication/installing-with-oauth' },
    ],
    notReproduced: ["Slack's own error codes (invalid_code, bad_client_secret): the OAuth code of the refusal is sent", 'bot tokens and authed_user'],
  },
  github: {
    name: 'github',
    summary: 'GitHub OAuth apps',
    policy: { dynamicRegistration: false },
    faults: [{ id: 'persona-github-token', endpoint: 'token', effect: { kind: 'token-shape', quirk: 'form-encoded-unless-json' } }],
    quirks: [
      { what: 'the token response is application/x-www-form-urlencoded unless the request sends Accept: application/json (token-shape form-encoded-unless-json)', reference: GITHUB_AUTHORIZING },
      { what: 'no dynamic registration: an OAuth app is registered in the developer settings', reference: 'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/creating-an-oauth-app' },
    ],
    notReproduced: ['no AS metadata at all (github.com serves no RFC 8414 document): discovery here still serves one', "GitHub's token errors (bad_verification_code) sent with HTTP 200"],
  },
  entra: {
    name: 'entra',
    summary: 'Microsoft Entra ID, v2.0 endpoints',
    policy: { dynamicRegistration: false },
    faults: [{ id: 'persona-entra-target', endpoint: 'authorize', effect: { kind: 'invalid-target' } }],
    quirks: [
      { what: 'a resource (RFC 8707) sent with scopes not written <resource>/<scope> is refused at /authorize with invalid_target, AADSTS9010010 (fault invalid-target)', reference: ENTRA_CODE_FLOW },
      { what: 'no dynamic registration: applications are registered in the Entra admin center', reference: 'https://learn.microsoft.com/en-us/entra/identity-platform/quickstart-register-app' },
    ],
    notReproduced: [
      'the tenant-style issuer https://login.microsoftonline.com/<tenant>/v2.0: the default realm keeps its issuer; a created realm (POST /control/realms {"persona":"entra"}) has a path issuer (<issuer>/r/<id>), which exercises the path forms of discovery, not the v2.0 suffix',
    ],
  },
  atlassian: {
    name: 'atlassian',
    summary: 'Atlassian Cloud OAuth 2.0 (3LO) apps',
    policy: { dynamicRegistration: false, rotateRefreshTokens: true, rotationGraceSeconds: 600, refreshReuseDetection: true, refreshTokenIssuance: 'offline_access' },
    faults: [],
    quirks: [
      { what: 'rotating refresh tokens: each refresh returns a new one; a rotated one still refreshes within a 10-minute leeway (rotationGraceSeconds 600), after which its reuse revokes the family', reference: ATLASSIAN_ROTATION },
      { what: 'a refresh token only with the offline_access scope (refreshTokenIssuance offline_access)', reference: ATLASSIAN_ROTATION },
      { what: 'no dynamic registration: apps are created in the developer console', reference: 'https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/' },
    ],
    notReproduced: ['its issuer (auth.atlassian.com) and the API host (api.atlassian.com/ex/jira/<cloudid>) on different origins, with no RFC 8414 document', 'the 90-day inactivity and 365-day absolute refresh-token lifetimes (set refreshTokenTtlSeconds for one)'],
  },
  cognito: {
    name: 'cognito',
    summary: 'Amazon Cognito user pools',
    policy: {
      dynamicRegistration: false,
      scopes: ['openid', 'mcp/read', 'mcp/write', 'mcp/admin'],
      requestOnlyScopes: ['mcp/admin'],
      // Its custom scopes are <resource-server-identifier>/<scope>; the MCP tools ask for mcp:read and
      // mcp:write, so each Cognito-style scope counts as the tool scope it stands for.
      scopeImplications: { 'mcp/read': ['mcp:read'], 'mcp/write': ['mcp:write', 'mcp:read'], 'mcp/admin': ['mcp:admin'] },
    },
    faults: [],
    quirks: [
      { what: 'custom scopes are written <resource-server-identifier>/<scope> (mcp/read, mcp/write, mcp/admin), beside openid', reference: COGNITO_SCOPES },
      { what: 'no dynamic registration: app clients are created in the user pool', reference: 'https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-client-apps.html' },
    ],
    notReproduced: ['its issuer (cognito-idp.<region>.amazonaws.com/<pool-id>) apart from its OAuth endpoints (the pool domain), with OIDC discovery only'],
  },
} satisfies Record<string, Persona>;

export type PersonaName = keyof typeof PERSONAS;
export const PERSONA_NAMES = Object.keys(PERSONAS) as [PersonaName, ...PersonaName[]];
