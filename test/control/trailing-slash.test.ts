import { describe, expect, it } from 'vitest';
import { freshAS } from '../support/servers.js';
import { answer } from '../support/answer.js';

describe('a control path with a trailing slash', () => {
  const as = freshAS();

  it.each([
    ['POST', '/control/reset/', 'POST /control/reset'],
    ['POST', '/control/rotate/', 'POST /control/rotate'],
    ['GET', '/control/state/', 'GET /control/state'],
    ['POST', '/control/faults/', 'GET|POST|DELETE /control/faults'],
    ['DELETE', '/control/faults/', 'GET|POST|DELETE /control/faults'],
    ['GET', '/control/clock//', 'GET|POST /control/clock'],
  ])('%s %s is 404 naming the path without the slash, not a 405', async (method, path, meant) => {
    const before = (await answer(await as.req('/control/state'))).json;
    const init: RequestInit = method === 'POST' ? { method, headers: { 'content-type': 'application/json' }, body: '{"on":true}' } : { method };
    const a = await answer(await as.req(path, init));
    expect(a.status).toBe(404);
    expect(a.json.error).toBe('not_found');
    expect(a.json.error_description).toContain(`did you mean ${meant}, without the trailing slash`);
    expect(a.json.error_description).not.toMatch(/is not allowed/);
    expect(a.headers.get('allow')).toBeNull();
    const after = (await answer(await as.req('/control/state'))).json;
    expect({ ...after, lastEventId: 0, clock: 0 }).toEqual({ ...before, lastEventId: 0, clock: 0 });
  });

  it('an unknown path with a slash is a plain 404 listing the valid paths', async () => {
    const a = await answer(await as.req('/control/nope/', { method: 'POST' }));
    expect(a.status).toBe(404);
    expect(a.json.valid).toContain('POST /control/reset');
    expect(a.json.error_description).not.toMatch(/did you mean/);
  });

  it('the wrong method without a slash is still 405 with Allow', async () => {
    const a = await answer(await as.req('/control/reset', { method: 'GET' }));
    expect(a.status).toBe(405);
    expect(a.headers.get('allow')).toBe('POST');
  });
});
