import { createHash, randomBytes } from 'node:crypto';
import { challengeParams, exchange, expectStatus, fail, obj } from './walk-http.js';
import { curl, shorten, sq } from './walk-print.js';

/** A loopback redirect URI (RFC 8252 §7.3): nothing listens there; walk reads the Location itself. */
const REDIRECT_URI = 'http://127.0.0.1:53682/callback';
const MCP_ACCEPT = 'application/json, text/event-stream';
/** Sent at initialize; the server answers with the version it speaks, which later requests carry. */
const PROTOCOL_VERSION = '2025-06-18';

const rpc = (id: number, method: string, params: unknown) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const mcpHeaders = (extra: Record<string, string> = {}): Record<string, string> => ({ 'Content-Type': 'application/json', Accept: MCP_ACCEPT, ...extra });
const mcpCurl = (url: string, body: string, auth: boolean, version?: string): string =>
  curl('POST', sq(url), [
    ...(auth ? ['-H "Authorization: Bearer $ACCESS_TOKEN"'] : ['-i']),
    `-H ${sq('Content-Type: application/json')}`,
    `-H ${sq(`Accept: ${MCP_ACCEPT}`)}`,
    ...(version ? [`-H ${sq(`MCP-Protocol-Version: ${version}`)}`] : []),
    `-d ${sq(body)}`,
  ]);

export interface Step {
  /** Short, for the failure line. */
  name: string;
  title: string;
  run(): Promise<string>;
  curl(): string;
}

/** The chain a client walks from nothing but the MCP URL; each step learns what the next needs. */
export function walkSteps(mcpUrl: string): Step[] {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(12).toString('base64url');
  const initialize = rpc(1, 'initialize', { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'mcp-oauth-test-server walk', version: '1' } });
  const echo = rpc(2, 'tools/call', { name: 'echo', arguments: { message: 'hello from walk' } });
  // What each step learns, for the next.
  let metadataUrl = '';
  let scope = '';
  let resource = mcpUrl;
  let issuer = '';
  let as: Record<string, unknown> = {};
  let clientId = '';
  let authorizeUrl = '';
  let code = '';
  let accessToken = '';
  let version = PROTOCOL_VERSION;
  const register = JSON.stringify({
    client_name: 'mcp-oauth-test-server walk',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  });
  const tokenForm = () =>
    new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, code_verifier: verifier, resource }).toString();
  const endpoint = (name: string): string => {
    const v = as[name];
    return typeof v === 'string' ? v : fail(`the authorization server metadata has no ${name}`);
  };

  return [
    {
      name: 'unauthenticated /mcp',
      title: 'unauthenticated MCP request: 401 with a Bearer challenge naming the resource metadata (RFC 9728 section 5.1)',
      run: async () => {
        const a = await exchange({ method: 'POST', url: mcpUrl, headers: mcpHeaders(), body: initialize });
        expectStatus(a, 401, `POST ${mcpUrl} without a token`);
        const header = a.res.headers.get('www-authenticate') ?? fail('the 401 has no WWW-Authenticate header (RFC 6750 section 3)');
        if (!/^Bearer\b/i.test(header)) fail(`the challenge is not Bearer: ${header}`);
        const p = challengeParams(header);
        const u = new URL(mcpUrl);
        // RFC 9728 §3.1: without the parameter, the client builds the well-known URL itself.
        metadataUrl = p.resource_metadata ?? `${u.origin}/.well-known/oauth-protected-resource${u.pathname.replace(/\/$/, '')}`;
        scope = p.scope ?? '';
        return `resource_metadata=${metadataUrl}${scope ? `, scope="${scope}"` : ''}`;
      },
      curl: () => mcpCurl(mcpUrl, initialize, false),
    },
    {
      name: 'resource metadata',
      title: 'protected-resource metadata (RFC 9728): which authorization server, for which resource',
      run: async () => {
        const a = await exchange({ method: 'GET', url: metadataUrl, headers: { Accept: 'application/json' } });
        expectStatus(a, 200, `GET ${metadataUrl}`);
        const doc = obj(a.json);
        // RFC 9728 §3.3: the resource must be the URL the client connects to (the SDK checks it too).
        if (doc.resource !== mcpUrl) fail(`"resource" is ${JSON.stringify(doc.resource)}, not the URL connected to (${mcpUrl}) (RFC 9728 section 3.3)`);
        resource = mcpUrl;
        const servers = Array.isArray(doc.authorization_servers) ? doc.authorization_servers : [];
        if (typeof servers[0] !== 'string') fail('"authorization_servers" names no authorization server');
        issuer = servers[0] as string;
        if (!scope && Array.isArray(doc.scopes_supported)) scope = doc.scopes_supported.join(' ');
        return `authorization server ${issuer}`;
      },
      curl: () => `${curl('GET', sq(metadataUrl))} | jq .`,
    },
    {
      name: 'authorization-server metadata',
      title: 'authorization-server metadata (RFC 8414): endpoints, PKCE methods',
      run: async () => {
        const i = new URL(issuer);
        const url = `${i.origin}/.well-known/oauth-authorization-server${i.pathname.replace(/\/$/, '')}`;
        const a = await exchange({ method: 'GET', url, headers: { Accept: 'application/json' } });
        expectStatus(a, 200, `GET ${url}`);
        as = obj(a.json);
        if (as.issuer !== issuer) fail(`"issuer" is ${JSON.stringify(as.issuer)}, not ${issuer} (RFC 8414 section 3.3)`);
        const methods = Array.isArray(as.code_challenge_methods_supported) ? as.code_challenge_methods_supported : [];
        if (!methods.includes('S256')) fail('code_challenge_methods_supported lacks S256: an OAuth 2.1 client must refuse it');
        return `token endpoint ${endpoint('token_endpoint')}, registration ${endpoint('registration_endpoint')}`;
      },
      curl: () => {
        const i = new URL(issuer || 'http://localhost:9100');
        return `${curl('GET', sq(`${i.origin}/.well-known/oauth-authorization-server${i.pathname.replace(/\/$/, '')}`))} | jq .`;
      },
    },
    {
      name: 'registration',
      title: 'dynamic client registration (RFC 7591): a public client with a loopback redirect URI',
      run: async () => {
        const a = await exchange({ method: 'POST', url: endpoint('registration_endpoint'), headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: register });
        expectStatus(a, 201, 'registration');
        const id = obj(a.json).client_id;
        clientId = typeof id === 'string' ? id : fail('the registration answer has no client_id');
        return `client_id ${clientId}`;
      },
      curl: () => `CLIENT_ID=$(${curl('POST', sq(String(as.registration_endpoint ?? '')), [`-H ${sq('Content-Type: application/json')}`, `-d ${sq(register)}`])} | jq -r .client_id)`,
    },
    {
      name: 'authorization',
      title: 'authorization with PKCE (RFC 7636 S256): consent is automatic, the redirect carries code, state and iss (RFC 9207)',
      run: async () => {
        console.log(`  code_verifier  ${verifier}   (32 random bytes, base64url)`);
        console.log(`  code_challenge ${challenge}   (base64url of its SHA-256)`);
        const q = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256', state, resource, ...(scope ? { scope } : {}) });
        authorizeUrl = `${endpoint('authorization_endpoint')}?${q}`;
        const a = await exchange({ method: 'GET', url: authorizeUrl, headers: {} });
        if (a.res.status !== 302 && a.res.status !== 303) expectStatus(a, 302, 'authorization');
        const location = a.res.headers.get('location') ?? fail('the redirect has no Location');
        const back = new URL(location, authorizeUrl);
        const p = back.searchParams;
        if (p.get('state') !== state) fail(`the redirect's state is ${JSON.stringify(p.get('state'))}, not the one sent (RFC 6749 section 4.1.2)`);
        if (as.authorization_response_iss_parameter_supported === true && p.get('iss') !== issuer) fail(`the redirect's iss is ${JSON.stringify(p.get('iss'))}, not ${issuer} (RFC 9207 section 2.4)`);
        const error = p.get('error');
        if (error) fail(`the authorization server redirected with error=${error}${p.get('error_description') ? ` (${p.get('error_description')})` : ''}`);
        code = p.get('code') ?? fail('the redirect carries neither code nor error');
        return `code ${shorten(code)}, state matches, iss ${p.get('iss') ?? '(not sent)'}`;
      },
      curl: () => {
        const q = new URLSearchParams({ response_type: 'code', client_id: 'CLIENT', redirect_uri: REDIRECT_URI, code_challenge: 'CHALLENGE', code_challenge_method: 'S256', state, resource, ...(scope ? { scope } : {}) });
        const url = `${String(as.authorization_endpoint ?? '')}?${q}`.replace('client_id=CLIENT', 'client_id=$CLIENT_ID').replace('code_challenge=CHALLENGE', 'code_challenge=$CODE_CHALLENGE');
        return [
          `CODE_VERIFIER=${sq(verifier)}`,
          `  $ CODE_CHALLENGE=$(printf %s "$CODE_VERIFIER" | openssl dgst -sha256 -binary | openssl base64 -A | tr '+/' '-_' | tr -d '=')   # ${challenge}`,
          `  $ CODE=$(curl -s -o /dev/null -w '%{redirect_url}' "${url}" | sed -n 's/.*[?&]code=\\([^&]*\\).*/\\1/p')`,
        ].join('\n');
      },
    },
    {
      name: 'token',
      title: 'token request: the code and its code_verifier for an access token (RFC 6749 section 4.1.3)',
      run: async () => {
        const a = await exchange({ method: 'POST', url: endpoint('token_endpoint'), headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }, body: tokenForm() });
        expectStatus(a, 200, 'the token endpoint');
        const t = obj(a.json);
        accessToken = typeof t.access_token === 'string' ? t.access_token : fail('the token answer has no access_token');
        return `access token ${shorten(accessToken)}, ${t.token_type ?? '?'}, expires_in ${t.expires_in ?? '?'}, scope "${t.scope ?? ''}"`;
      },
      curl: () =>
        `ACCESS_TOKEN=$(${curl('POST', sq(String(as.token_endpoint ?? '')), ['-d grant_type=authorization_code', '-d "code=$CODE"', `--data-urlencode ${sq(`redirect_uri=${REDIRECT_URI}`)}`, '-d "client_id=$CLIENT_ID"', '-d "code_verifier=$CODE_VERIFIER"', `--data-urlencode ${sq(`resource=${resource}`)}`])} | jq -r .access_token)`,
    },
    {
      name: 'initialize',
      title: 'MCP initialize with the bearer token',
      run: async () => {
        const a = await exchange({ method: 'POST', url: mcpUrl, headers: mcpHeaders({ Authorization: `Bearer ${accessToken}` }), body: initialize });
        expectStatus(a, 200, 'initialize');
        const result = obj(obj(a.json).result);
        if (typeof result.protocolVersion !== 'string') fail(`initialize answered without a result.protocolVersion: ${a.text.slice(0, 200)}`);
        version = result.protocolVersion as string;
        return `protocol ${version}, server ${JSON.stringify(obj(result.serverInfo).name ?? '?')}`;
      },
      curl: () => mcpCurl(mcpUrl, initialize, true),
    },
    {
      name: 'tools/call',
      title: 'tools/call echo with the bearer token',
      run: async () => {
        const a = await exchange({ method: 'POST', url: mcpUrl, headers: mcpHeaders({ Authorization: `Bearer ${accessToken}`, 'MCP-Protocol-Version': version }), body: echo });
        expectStatus(a, 200, 'tools/call');
        const content = obj(obj(a.json).result).content;
        const text = Array.isArray(content) ? obj(content[0]).text : undefined;
        if (text !== 'hello from walk') fail(`echo answered ${JSON.stringify(obj(a.json).error ?? content)}, not "hello from walk"`);
        return 'echo said "hello from walk"';
      },
      curl: () => mcpCurl(mcpUrl, echo, true, version),
    },
  ];
}
