import { beforeEach, describe, expect, it } from 'vitest';
import { freshAS } from '../support/servers.js';
import { answer } from '../support/answer.js';
import { jsonPost } from '../support/http.js';

const status = (effect: Record<string, unknown>) => ({ endpoint: 'token', effect: { kind: 'status', status: 503, ...effect } });

describe('a fault the server cannot send is refused at POST /control/faults', () => {
  const as = freshAS();
  beforeEach(async () => {
    // One fault already in place: a refusal must leave the list exactly as it was.
    expect((await as.req('/control/faults', jsonPost({ endpoint: 'register', effect: { kind: 'latency', ms: 1 }, id: 'keep' }))).status).toBe(201);
  });

  it.each([
    ['1xx status 101', status({ status: 101 }), /status.*1xx/],
    ['1xx status 150', status({ status: 150 }), /status.*1xx/],
    ['204 with a body', status({ status: 204, body: 'x' }), /body.*204/],
    ['304 with a body', status({ status: 304, body: { a: 1 } }), /body.*304/],
    ['205 with a body', status({ status: 205, body: [] }), /body.*205/],
    ['a header value with CR/LF', status({ headers: { 'x-a': 'a\r\nset-cookie: x=1' } }), /header value.*CR, LF/],
    ['a header value with a bare LF', status({ headers: { 'x-a': 'a\nb' } }), /header value/],
    ['a header name with a space', status({ headers: { 'x a': 'b' } }), /header name.*token/],
    ['an empty header name', status({ headers: { '': 'b' } }), /header name/],
    ['a header name with a colon', status({ headers: { 'x:a': 'b' } }), /header name/],
    ['a non-Latin-1 header value', status({ headers: { 'x-a': 'snow ☃' } }), /header value.*Latin-1/],
    ['content-length', status({ headers: { 'Content-Length': '5' } }), /content-length/],
    ['transfer-encoding', status({ headers: { 'transfer-encoding': 'chunked' } }), /transfer-encoding/],
    ['connection', status({ headers: { connection: 'close' } }), /connection/],
  ])('%s → 400 naming the problem, fault list unchanged', async (_what, spec, message) => {
    const before = (await answer(await as.req('/control/faults'))).json;
    const a = await answer(await as.req('/control/faults', jsonPost(spec)));
    expect(a.status).toBe(400);
    expect(a.json).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(message) });
    expect((await answer(await as.req('/control/faults'))).json).toEqual(before);
  });

  it.each([
    ['200 with a body and a custom header', status({ status: 200, body: 'ok', headers: { 'x-fault': 'yes', 'retry-after': '1' } })],
    ['204 without a body', status({ status: 204 })],
    ['a Latin-1 header value with a tab', status({ headers: { 'x-a': 'caf\u00e9\tb' } })],
  ])('%s is still accepted and served', async (_what, spec) => {
    const a = await answer(await as.req('/control/faults', jsonPost({ ...spec, endpoint: 'as-metadata', times: 1 })));
    expect(a.status).toBe(201);
    const hit = await as.req('/.well-known/oauth-authorization-server');
    expect(hit.status).toBe(spec.effect.status);
    for (const [k, v] of Object.entries((spec.effect as { headers?: Record<string, string> }).headers ?? {})) expect(hit.headers.get(k)).toBe(v);
  });
});
