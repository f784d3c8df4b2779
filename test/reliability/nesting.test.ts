import { describe, expect, it } from 'vitest';
import { freshAS } from '../support/servers.js';
import { answer } from '../support/answer.js';
import { jsonPost } from '../support/http.js';
import { snapshot } from '../support/snapshot.js';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
/** The control state minus what moves on its own (the event id, the wall clock). */
const stable = (st: { lastEventId?: unknown; clock: { now?: unknown } }) => ({ ...st, lastEventId: 0, clock: { ...st.clock, now: 0 } });

describe('deeply nested JSON is refused with 400 and stores nothing', () => {
  const as = freshAS();

  it('POST /register with a 5,000-level jwks answers invalid_client_metadata and registers no client', async () => {
    const before = await snapshot(as.realm);
    const body = `{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"none","jwks":{"keys":${nested(5000)}}}`;
    const a = await answer(await as.req('/register', jsonPost(body)));
    expect(a.status).toBe(400);
    expect(a.json).toEqual({ error: 'invalid_client_metadata', error_description: expect.stringMatching(/nest/) });
    expect(await snapshot(as.realm)).toEqual(before);
  });

  it('POST /register still takes a modestly nested jwks', async () => {
    const body = `{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"none","jwks":{"keys":[{"kty":"oct","k":"AA","x":${nested(10)}}]}}`;
    const a = await answer(await as.req('/register', jsonPost(body)));
    expect(a.status).toBe(201);
  });

  it('POST /control/faults with a 5,000-level status body answers invalid_request and adds no fault; the control plane still works', async () => {
    const faultsBefore = (await answer(await as.req('/control/faults'))).json;
    const stateBefore = (await answer(await as.req('/control/state'))).json;
    const body = `{"endpoint":"token","effect":{"kind":"status","status":503,"body":${nested(5000)}}}`;
    const a = await answer(await as.req('/control/faults', jsonPost(body)));
    expect(a.status).toBe(400);
    expect(a.json).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(/nest/) });
    expect((await answer(await as.req('/control/faults'))).json).toEqual(faultsBefore);
    const state = await answer(await as.req('/control/state'));
    expect(state.status).toBe(200);
    expect(stable(state.json)).toEqual(stable(stateBefore));
    expect((await answer(await as.req('/control/reset', { method: 'POST' }))).status).toBe(200);
  });

  it.each(['/control/rotate', '/control/policy', '/control/clock'])('%s refuses a deeply nested body with 400', async (path) => {
    const stateBefore = (await answer(await as.req('/control/state'))).json;
    const a = await answer(await as.req(path, jsonPost(`{"x":${nested(5000)}}`)));
    expect(a.status).toBe(400);
    expect(a.json.error).toBe('invalid_request');
    const state = (await answer(await as.req('/control/state'))).json;
    expect(stable(state)).toEqual(stable(stateBefore));
  });
});
