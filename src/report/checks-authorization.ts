import { fail, none, pass, PARALLEL_AUTHORIZATIONS, REF, REGISTRATION_STORM, type CheckDef } from './check-defs.js';

/** Registration, the authorization request and the code exchange: what a client sends before it holds a token. */
export const AUTHORIZATION_CHECKS: CheckDef[] = [
  {
    id: 'registration-accepted',
    name: 'Registration accepted',
    word: 'MUST',
    suite: false,
    checks: 'the client registered with metadata the server accepts (a refused one is keyed by client_name and redirect URIs)',
    refs: [REF.rfc7591, REF.dcr],
    topic: 'register',
    grade: (f) => (!f.registration ? none('registration') : f.registration.refused ? fail(`registration was refused: ${f.registration.refused}`) : pass('registration accepted')),
  },
  {
    id: 'sep-837-application-type-present',
    name: 'DCR application_type specified',
    word: 'MUST',
    suite: true,
    checks: 'the registration sends application_type "web" or "native" (SEP-837)',
    refs: [REF.dcr],
    topic: 'register',
    grade: (f) => {
      if (!f.registration) return none('registration');
      const t = f.registration.applicationType;
      return t === 'web' || t === 'native' ? pass(`application_type "${t}"`) : fail(`Client MUST specify application_type "web" or "native" (SEP-837); ${t === undefined ? 'it was omitted' : `got "${t}"`}`, { application_type: t ?? '(omitted)' });
    },
  },
  {
    id: 'sep-2207-client-metadata-grant-types',
    name: 'Client metadata includes refresh_token grant type',
    word: 'SHOULD',
    suite: true,
    checks: 'the registration lists refresh_token in grant_types (omitted means authorization_code only, RFC 7591 §2)',
    refs: [REF.sep2207, REF.rfc7591],
    topic: 'register',
    grade: (f) => {
      if (!f.registration) return none('registration');
      const g = f.registration.grantTypes;
      return g?.includes('refresh_token') ? pass(`grant_types ${g.join(' ')}`) : fail(`Client SHOULD include refresh_token in grant_types (SEP-2207); ${g ? `it sent ${g.join(' ') || 'none'}` : 'it sent none (RFC 7591 default: authorization_code only)'}`, { grantTypes: g ?? '(omitted)' });
    },
  },
  {
    id: 'registration-storm',
    name: 'No re-registration storm',
    word: 'SHOULD',
    suite: false,
    checks: `at most ${REGISTRATION_STORM} registrations with one client_name and redirect URIs (a client keeps its client_id)`,
    refs: [REF.dcr],
    topic: 'register',
    grade: (f, { lineage }) => {
      if (!lineage) return none('registration');
      const d = { registrations: lineage.registrations, refused: lineage.refused, newestClientIds: lineage.clientIds };
      return lineage.registrations > REGISTRATION_STORM ? fail(`${lineage.registrations} registrations with the same client_name and redirect URIs: the client SHOULD keep its client_id instead of registering again`, d) : pass(`${lineage.registrations} registration(s) in this lineage`, d);
    },
  },
  {
    id: 'pkce-code-challenge-sent',
    name: 'PKCE Code Challenge',
    word: 'MUST',
    suite: true,
    checks: 'every authorization request carries a code_challenge',
    refs: [REF.pkce, REF.oauth21Authz],
    topic: 'pkce',
    grade: (f) => {
      const a = f.authorize;
      if (a.total === 0) return none('authorization request');
      return a.noChallenge ? fail(`Client MUST send code_challenge: ${a.noChallenge} of ${a.total} authorization request(s) had none`) : pass(`code_challenge sent in all ${a.total} authorization request(s)`);
    },
  },
  {
    id: 'pkce-s256-method-used',
    name: 'PKCE S256 Method',
    word: 'MUST',
    suite: true,
    checks: 'code_challenge_method is S256 (plain, or omitted, is refused)',
    refs: [REF.pkce, REF.rfc7636],
    topic: 'pkce',
    grade: (f) => {
      const m = f.authorize.methods;
      const total = Object.values(m).reduce((x, y) => x + y, 0);
      if (total === 0) return { skip: 'no authorization request with a code_challenge' };
      return total === (m.S256 ?? 0) ? pass('code_challenge_method S256 every time') : fail(`Client MUST use code_challenge_method S256; it used ${Object.entries(m).map(([k, n]) => `${k} ×${n}`).join(', ')}`, { methods: m });
    },
  },
  {
    id: 'pkce-verifier-fresh',
    name: 'A fresh PKCE verifier per authorization',
    word: 'MUST',
    suite: false,
    checks: 'no code_challenge is sent twice (a new code_verifier for every authorization request)',
    refs: [REF.oauth21Authz, REF.rfc7636],
    topic: 'pkce',
    grade: (f) => {
      const a = f.authorize;
      if (a.challenges.size === 0) return { skip: 'no authorization request with a code_challenge' };
      return a.reusedChallenge ? fail(`the same code_challenge came again ${a.reusedChallenge} time(s): the client MUST make a new code_verifier for each authorization request`) : pass('every code_challenge was new');
    },
  },
  {
    id: 'pkce-code-verifier-sent',
    name: 'PKCE Code Verifier',
    word: 'MUST',
    suite: true,
    checks: 'the code exchange sends code_verifier',
    refs: [REF.pkce, REF.rfc7636],
    topic: 'exchange',
    grade: (f) => (f.exchange.total === 0 ? none('code exchange') : f.exchange.verifierMissing ? fail(`Client MUST send code_verifier: ${f.exchange.verifierMissing} code exchange(s) had none`) : pass('code_verifier sent')),
  },
  {
    id: 'pkce-verifier-matches-challenge',
    name: 'PKCE Verifier Matches Challenge',
    word: 'MUST',
    suite: true,
    checks: "the code_verifier matches the authorization's code_challenge",
    refs: [REF.pkce, REF.rfc7636],
    topic: 'exchange',
    grade: (f) => {
      const x = f.exchange;
      if (x.verifierMatched + x.verifierMismatch === 0) return { skip: 'no code exchange reached the verifier check' };
      return x.verifierMismatch ? fail(`${x.verifierMismatch} code_verifier(s) did not match their code_challenge`) : pass(`${x.verifierMatched} code_verifier(s) matched`);
    },
  },
  {
    id: 'state-parameter-sent',
    name: 'state sent',
    word: 'SHOULD',
    suite: false,
    checks: 'authorization requests carry state (CSRF protection beside PKCE)',
    refs: [REF.rfc9700Csrf, REF.oauth21Authz],
    topic: 'state',
    grade: (f) => (f.authorize.total === 0 ? none('authorization request') : f.authorize.stateMissing ? fail(`${f.authorize.stateMissing} authorization request(s) without state`) : pass('state sent every time')),
  },
  {
    id: 'state-not-reused',
    name: 'state not reused',
    word: 'SHOULD',
    suite: false,
    checks: 'no state value is sent twice (it binds one request to one browser session)',
    refs: [REF.rfc9700Csrf],
    topic: 'state',
    grade: (f) => (f.authorize.states.size === 0 ? { skip: 'no authorization request with state' } : f.authorize.reusedState ? fail(`the same state came again ${f.authorize.reusedState} time(s)`) : pass('every state was new')),
  },
  {
    id: 'redirect-uri-loopback-or-https',
    name: 'Redirect URI is loopback or https',
    word: 'MUST',
    suite: false,
    checks: 'the redirect URI is a loopback http URL or an https URL',
    refs: [REF.commSecurity],
    topic: 'authorize',
    grade: (f) => {
      const r = f.authorize.redirect;
      if (r.loopback + r.https + r.other === 0) return none('redirect URI');
      return r.other ? fail(`${r.other} authorization request(s) redirected to a URI neither loopback nor https`, r) : pass('redirect URIs loopback or https', r);
    },
  },
  {
    id: 'parallel-authorizations',
    name: 'No parallel authorizations',
    word: 'SHOULD',
    suite: false,
    checks: `fewer than ${PARALLEL_AUTHORIZATIONS} authorizations open at once (codes issued, not redeemed: a consent per tab)`,
    refs: [REF.oauth21Authz],
    topic: 'authorize',
    grade: (f) => (f.authorize.total === 0 ? none('authorization request') : f.authorize.maxOpen >= PARALLEL_AUTHORIZATIONS ? fail(`${f.authorize.maxOpen} authorizations were open at once`, { maxOpen: f.authorize.maxOpen }) : pass(`at most ${f.authorize.maxOpen} open at once`)),
  },
  {
    id: 'resource-parameter-in-authorization',
    name: 'Resource parameter in authorization request',
    word: 'MUST',
    suite: true,
    checks: "authorization requests send resource, equal to the protected resource metadata's resource (RFC 8707)",
    refs: [REF.resource, REF.rfc8707],
    topic: 'resource',
    grade: (f) => {
      const a = f.authorize;
      if (a.total === 0) return none('authorization request');
      if (a.resourceMissing) return fail(`Client MUST include resource in the authorization request (RFC 8707): ${a.resourceMissing} of ${a.total} had none`);
      return a.resourceMismatch ? fail(`${a.resourceMismatch} authorization request(s) named another resource than this server's`) : pass('resource sent, naming this server');
    },
  },
  {
    id: 'resource-parameter-in-token',
    name: 'Resource parameter in token request',
    word: 'MUST',
    suite: true,
    checks: 'code exchanges and refreshes send resource, equal to the authorized one',
    refs: [REF.resource, REF.rfc8707],
    topic: 'resource',
    grade: (f) => {
      const t = f.token;
      if (t.total === 0) return none('code exchange or refresh');
      if (t.resourceMissing) return fail(`Client MUST include resource in token requests (RFC 8707): ${t.resourceMissing} of ${t.total} had none`);
      return t.resourceMismatch ? fail(`${t.resourceMismatch} token request(s) named another resource than this server's`) : pass('resource sent in every token request');
    },
  },
  {
    id: 'token-endpoint-auth-method',
    name: 'Token endpoint authentication method',
    word: 'MUST',
    suite: true,
    checks: 'the client authenticates at /token with the method it registered',
    refs: [REF.oauth21Token, REF.rfc7591],
    topic: 'auth-method',
    grade: (f) => {
      const used = Object.keys(f.token.methods);
      if (used.length === 0) return none('token request');
      const registered = f.registration?.refused ? undefined : f.registration?.authMethod;
      if (registered === undefined) return { info: `used ${used.join(', ')} (no registration seen to compare with)`, details: { actualAuthMethod: used } };
      const other = used.filter((m) => m !== registered);
      const d = { expectedAuthMethod: registered, actualAuthMethod: used };
      return other.length ? fail(`registered ${registered}, authenticated with ${other.join(', ')}`, d) : pass(`authenticated with ${registered}, as registered`, d);
    },
  },
];
