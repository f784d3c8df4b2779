import type { FaultSpec } from '../../../src/faults.js';
import type { Row } from './row.js';

/**
 * Discovery and identity knobs (README "Discovery and identity knobs"), asserted by
 * test/e2e/identity-clients.test.ts: each client from nothing but a URL. A refusal before /token is
 * read off the event log (no POST /token).
 */
const iss = (mode: string): FaultSpec[] => [{ endpoint: 'authorize', effect: { kind: 'iss', mode: mode as 'wrong' } }];
const issuer = (mode: string): FaultSpec[] => [{ endpoint: 'as-metadata', effect: { kind: 'issuer', mode: mode as 'wrong' } }];
const state = (mode: 'dropped' | 'altered'): FaultSpec[] => [{ endpoint: 'authorize', effect: { kind: 'state', mode } }];
const wellKnown = (effect: FaultSpec['effect']): FaultSpec[] => [{ endpoint: 'as-metadata', effect }];

export const MISMATCH_RESPONSE = 'IssuerMismatchError (authorization_response), no /token';
export const MISMATCH_METADATA = 'IssuerMismatchError (metadata), no /register';
export const NO_METADATA = 'connects without metadata (the default /authorize, /token, /register)';

export const ROWS: Row[] = [
  { knob: 'iss correct (default)', v2: 'connects', sdk1: 'connects', o4w: 'connects' },
  { knob: 'iss wrong', faults: iss('wrong'), v2: MISMATCH_RESPONSE, sdk1: 'connects', o4w: 'callback refused: unexpected "iss"' },
  { knob: 'iss omitted while advertised', faults: iss('omitted'), v2: MISMATCH_RESPONSE, sdk1: 'connects', o4w: 'callback refused: "iss" missing' },
  { knob: 'iss sent, not advertised (false)', policy: { issParameter: false }, faults: iss('unadvertised'), v2: 'connects', sdk1: 'connects', o4w: 'connects' },
  {
    knob: 'iss sent, advertisement absent',
    faults: [...iss('unadvertised'), { endpoint: 'as-metadata', effect: { kind: 'omit', fields: ['authorization_response_iss_parameter_supported'] } }],
    v2: 'connects',
    sdk1: 'connects',
    o4w: 'connects',
  },
  { knob: 'iss with a trailing slash', faults: iss('trailing-slash'), v2: MISMATCH_RESPONSE, sdk1: 'connects', o4w: 'callback refused: unexpected "iss"' },
  { knob: 'iss upper-cased', faults: iss('upper-case'), v2: MISMATCH_RESPONSE, sdk1: 'connects', o4w: 'callback refused: unexpected "iss"' },
  { knob: 'iss with its port written out', faults: iss('default-port'), v2: MISMATCH_RESPONSE, sdk1: 'connects', o4w: 'callback refused: unexpected "iss"' },
  { knob: 'state dropped', faults: state('dropped'), v2: 'connects', sdk1: 'connects', o4w: 'callback refused: "state" missing' },
  { knob: 'state altered', faults: state('altered'), v2: 'connects', sdk1: 'connects', o4w: 'callback refused: unexpected "state"' },
  { knob: 'metadata issuer another origin', faults: issuer('wrong'), v2: MISMATCH_METADATA, sdk1: 'connects', o4w: 'discovery refused: issuer does not match' },
  { knob: 'metadata issuer with a trailing slash', faults: issuer('trailing-slash'), v2: MISMATCH_METADATA, sdk1: 'connects', o4w: 'callback refused: unexpected "iss"' },
  { knob: 'metadata issuer upper-cased', faults: issuer('upper-case'), v2: MISMATCH_METADATA, sdk1: 'connects', o4w: 'callback refused: unexpected "iss"' },
  { knob: 'metadata issuer with its port written out', faults: issuer('default-port'), v2: MISMATCH_METADATA, sdk1: 'connects', o4w: 'callback refused: unexpected "iss"' },
  { knob: 'AS metadata 503', faults: wellKnown({ kind: 'status', status: 503 }), v2: 'Error: HTTP 503 trying to load OAuth metadata from <issuer>/.well-known/oauth-authorization-server', sdk1: 'Error: HTTP 503 trying to load OAuth metadata from <issuer>/.well-known/oauth-authorization-server', o4w: 'discovery refused: status 503' },
  { knob: 'AS metadata text/plain 404', faults: wellKnown({ kind: 'status', status: 404, body: 'Not Found' }), v2: NO_METADATA, sdk1: NO_METADATA, o4w: 'discovery refused: status 404' },
  {
    knob: 'AS metadata 302 elsewhere',
    faults: wellKnown({ kind: 'status', status: 302, headers: { location: 'https://elsewhere.invalid/.well-known/oauth-authorization-server' } }),
    v2: NO_METADATA,
    sdk1: NO_METADATA,
    o4w: 'discovery refused: status 302',
  },
  { knob: 'PKCE advertised S256 plain', policy: { pkceMethodsAdvertised: 'S256 plain' }, v2: 'connects', sdk1: 'connects', o4w: 'connects' },
  { knob: 'PKCE methods omitted', policy: { pkceMethodsAdvertised: 'omitted' }, v2: 'connects', sdk1: 'connects', o4w: 'connects' },
];

