import { describe, expect, it } from 'vitest';
import { freshAS, type AS } from '../support/servers.js';
import { answer } from '../support/answer.js';
import { jsonPost } from '../support/http.js';

const KIB16 = 16 * 1024;
const big = (i: number) => ({ endpoint: 'register', id: `big${i}`, effect: { kind: 'status', status: 503, body: 'x'.repeat(KIB16) } });
const ids = async (as: AS) => ((await answer(await as.req('/control/faults'))).json.faults as Array<{ id: string }>).map((f) => f.id);

describe('the control plane is bounded', () => {
  const as = freshAS();

  it('at most 100 faults: the 101st is refused naming the cap and nothing changes; replacing one or removing one works', async () => {
    for (let i = 0; i < 100; i++) expect((await as.req('/control/faults', jsonPost({ endpoint: 'token', effect: { kind: 'latency', ms: 1 }, id: `u${i}` }))).status).toBe(201);
    const before = await ids(as);
    expect(before).toHaveLength(100);
    const full = await answer(await as.req('/control/faults', jsonPost({ endpoint: 'token', effect: { kind: 'drop' } })));
    expect(full.status).toBe(429);
    expect(full.json).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(/full \(100 faults\)/) });
    expect(await ids(as)).toEqual(before);
    // A switch that is a standing fault needs room too, and says why when there is none.
    const stateBefore = (await answer(await as.req('/control/state'))).json;
    const sw = await answer(await as.req('/control/invalid-grant', jsonPost({ on: true })));
    expect(sw.status).toBe(429);
    expect(sw.json.error_description).toMatch(/100 faults/);
    const stateAfter = (await answer(await as.req('/control/state'))).json;
    expect({ ...stateAfter, lastEventId: 0, clock: 0 }).toEqual({ ...stateBefore, lastEventId: 0, clock: 0 });
    // Same id: a replacement takes no room.
    expect((await as.req('/control/faults', jsonPost({ endpoint: 'token', effect: { kind: 'drop' }, id: 'u7' }))).status).toBe(201);
    expect(await ids(as)).toHaveLength(100);
    expect((await as.req('/control/faults/u0', { method: 'DELETE' })).status).toBe(200);
    expect((await as.req('/control/faults', jsonPost({ endpoint: 'token', effect: { kind: 'drop' } }))).status).toBe(201);
  });

  it('a status body is at most 16 KiB; a larger one is refused and the list is unchanged', async () => {
    expect((await as.req('/control/faults', jsonPost(big(0)))).status).toBe(201);
    const before = (await answer(await as.req('/control/faults'))).json;
    for (const body of ['x'.repeat(KIB16 + 1), 'é'.repeat(KIB16 / 2 + 1), { pad: 'x'.repeat(KIB16) }, ['x'.repeat(KIB16)]]) {
      const a = await answer(await as.req('/control/faults', jsonPost({ endpoint: 'token', effect: { kind: 'status', status: 503, body } })));
      expect(a.status).toBe(400);
      expect(a.json).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(/body.*16 KiB/) });
    }
    expect((await answer(await as.req('/control/faults'))).json).toEqual(before);
  });

  it('answers to changes stay small however big the list is, and keep fault and faults', async () => {
    for (let i = 0; i < 99; i++) expect((await as.req('/control/faults', jsonPost(big(i)))).status).toBe(201);
    const add = await answer(await as.req('/control/faults', jsonPost({ endpoint: 'token', effect: { kind: 'drop' }, id: 'small' })));
    expect(add.status).toBe(201);
    expect(add.json.fault).toMatchObject({ id: 'small', endpoint: 'token', effect: { kind: 'drop' } });
    expect(add.json.faults).toHaveLength(100);
    expect(add.json.faults[0]).toEqual({ id: 'big0', endpoint: 'register', kind: 'status', remaining: null, hits: 0 });
    expect(add.json).toMatchObject({ count: 100, max: 100 });
    // 100 faults of 16 KiB: the whole list would be 1.6 MB; the change answer lists them in brief.
    expect(add.text.length).toBeLessThan(16 * 1024);
    const del = await answer(await as.req('/control/faults/small', { method: 'DELETE' }));
    expect(del.text.length).toBeLessThan(16 * 1024);
    expect(del.json.faults.map((f: { id: string }) => f.id)).not.toContain('small');
    // GET still shows everything, bodies included.
    const all = await answer(await as.req('/control/faults'));
    expect(all.json.faults[0].effect.body).toHaveLength(KIB16);
  });
});
