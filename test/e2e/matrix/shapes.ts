import type { FaultSpec, TokenShape } from '../../../src/faults.js';
import type { Row } from './row.js';

/**
 * Token-shape quirks and registration knobs (README "Token, refresh and registration knobs"),
 * asserted by test/e2e/shape-clients.test.ts: each client from nothing (discovery, registration,
 * consent, code exchange) to a tool call; "connects" is a tool call answered, otherwise the error it
 * ended with.
 */
export interface ShapeRow extends Row {
  /** A registration before the client's own (the same-client-id row: the first one's client_id is handed on). */
  registerFirst?: boolean;
}

const shape = (quirk: TokenShape): FaultSpec[] => [{ endpoint: 'token', effect: { kind: 'token-shape', quirk } }];
const all = (outcome: string) => ({ v2: outcome, sdk1: outcome, o4w: outcome });

export const ROWS: ShapeRow[] = [
  { knob: 'nothing is changed', ...all('connects') },
  { knob: 'token_type is lowercase "bearer"', faults: shape('lowercase-bearer'), ...all('connects') },
  { knob: 'expires_in is missing', faults: shape('no-expires-in'), ...all('connects') },
  { knob: 'expires_in is a string', faults: shape('string-expires-in'), ...all('connects') },
  { knob: 'scope is missing', faults: shape('no-scope'), ...all('connects') },
  { knob: 'scope is narrowed', faults: shape('narrowed-scope'), ...all('connects') },
  { knob: 'absent fields are null', faults: shape('null-fields'), v2: 'ZodError', sdk1: 'ZodError', o4w: 'OperationProcessingError OAUTH_INVALID_RESPONSE' },
  { knob: 'the token response is form-encoded', faults: shape('form-encoded'), v2: 'SyntaxError', sdk1: 'SyntaxError', o4w: 'OperationProcessingError OAUTH_RESPONSE_IS_NOT_JSON' },
  { knob: 'the token response is 201', faults: shape('status-201'), v2: 'connects', sdk1: 'connects', o4w: 'OperationProcessingError OAUTH_RESPONSE_IS_NOT_CONFORM' },
  { knob: 'token errors are 200 {"ok":false,…}', faults: shape('error-200-slack'), v2: 'OAuthError invalid_grant', sdk1: 'ZodError', o4w: 'OperationProcessingError OAUTH_INVALID_RESPONSE' },
  { knob: 'token errors are 200 {"error":…}', faults: shape('error-200'), v2: 'OAuthError invalid_grant', sdk1: 'ZodError', o4w: 'OperationProcessingError OAUTH_INVALID_RESPONSE' },
  { knob: 'tokens come in Slack\'s {"ok":true,…,"token_type":"user"}', faults: shape('slack-user-token'), v2: 'connects', sdk1: 'connects', o4w: 'UnsupportedOperationError OAUTH_UNSUPPORTED_OPERATION' },
  { knob: 'the token response is form-encoded unless Accept asks for JSON', faults: shape('form-encoded-unless-json'), ...all('connects') },
  { knob: 'dynamic registration is off', policy: { dynamicRegistration: false }, v2: 'Error', sdk1: 'Error', o4w: 'OperationProcessingError OAUTH_MISSING_SERVER_METADATA' },
  { knob: 'application_type is required', policy: { requireApplicationType: true }, v2: 'connects', sdk1: 'InvalidClientMetadataError', o4w: 'ResponseBodyError invalid_client_metadata' },
  { knob: "every registration gets the first one's client_id", faults: [{ endpoint: 'register', effect: { kind: 'same-client-id' } }], registerFirst: true, ...all('connects') },
];

const onRefresh = (quirk: TokenShape): FaultSpec[] => [{ endpoint: 'token', grant: 'refresh_token', effect: { kind: 'token-shape', quirk } }];

/**
 * The same quirks on the refresh leg only: signed in and a tool called, the fault is added and the
 * access token revoked; "refreshes" is the next call answered after a refresh. An SDK client whose
 * refresh fails goes back to consent (UnauthorizedError, a second /authorize).
 */
export const REFRESH_ROWS: Row[] = [
  { knob: 'refresh: token_type is lowercase "bearer"', faults: onRefresh('lowercase-bearer'), ...all('refreshes') },
  { knob: 'refresh: expires_in is missing', faults: onRefresh('no-expires-in'), ...all('refreshes') },
  { knob: 'refresh: expires_in is a string', faults: onRefresh('string-expires-in'), ...all('refreshes') },
  { knob: 'refresh: scope is missing', faults: onRefresh('no-scope'), ...all('refreshes') },
  { knob: 'refresh: scope is narrowed', faults: onRefresh('narrowed-scope'), ...all('refreshes') },
  { knob: 'refresh: absent fields are null', faults: onRefresh('null-fields'), v2: 'UnauthorizedError', sdk1: 'UnauthorizedError', o4w: 'OperationProcessingError OAUTH_INVALID_RESPONSE' },
  { knob: 'refresh: the token response is form-encoded', faults: onRefresh('form-encoded'), v2: 'UnauthorizedError', sdk1: 'UnauthorizedError', o4w: 'OperationProcessingError OAUTH_RESPONSE_IS_NOT_JSON' },
  { knob: 'refresh: the token response is 201', faults: onRefresh('status-201'), v2: 'refreshes', sdk1: 'refreshes', o4w: 'OperationProcessingError OAUTH_RESPONSE_IS_NOT_CONFORM' },
  { knob: 'refresh: errors are 200 {"ok":false,…}', faults: onRefresh('error-200-slack'), v2: 'UnauthorizedError', sdk1: 'UnauthorizedError', o4w: 'OperationProcessingError OAUTH_INVALID_RESPONSE' },
  { knob: 'refresh: errors are 200 {"error":…}', faults: onRefresh('error-200'), v2: 'UnauthorizedError', sdk1: 'UnauthorizedError', o4w: 'OperationProcessingError OAUTH_INVALID_RESPONSE' },
];
