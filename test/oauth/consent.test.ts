import { describe, expect, it } from 'vitest';
import { CONSENT_TTL_SECONDS, MAX_PARKED_CONSENTS } from '../../src/consent-ledger.js';
import { formatEvent } from '../../src/events.js';
import { formFields } from '../support/consent-page.js';
import { form, jsonPost } from '../support/http.js';
import { authorizeQuery, register } from '../support/oauth.js';
import { pkce } from '../support/pkce.js';
import { freshAS, ISSUER, type AS } from '../support/servers.js';
import { snapshot } from '../support/snapshot.js';

/**
 * The consent route in process (no browser): what is parked and for how long, what faults do to a
 * parked request, and what the events say. The page itself is tested in Chromium (test/pages/).
 */

const as = freshAS({ consent: 'page' });

async function show(target: AS, clientId: string, params: Record<string, string> = {}) {
  const res = await target.req(`/authorize?${authorizeQuery(clientId, pkce().challenge, { scope: 'mcp:read mcp:write', ...params })}`, { redirect: 'manual' });
  return { res, text: await res.text() };
}

const decide = (fields: Record<string, string>) => as.req('/consent', { ...form(fields), redirect: 'manual' });

describe('consent pages kept', () => {
  it(`parks at most ${MAX_PARKED_CONSENTS}; the next is redirected temporarily_unavailable with state and iss, until the expired are dropped`, async () => {
    const { client_id: clientId } = await register(as);
    for (let i = 0; i < MAX_PARKED_CONSENTS; i++) expect((await show(as, clientId)).res.status).toBe(200);
    const before = await snapshot(as.realm);
    const full = await show(as, clientId);
    expect(full.res.status).toBe(302);
    const back = new URL(full.res.headers.get('location')!);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: 'temporarily_unavailable', state: 'st-1', iss: ISSUER });
    expect(back.searchParams.get('error_description')).toMatch(/consent pages are full \(1000 waiting, each for 300 s\)/);
    expect(await snapshot(as.realm)).toEqual(before);
    expect(as.realm.consents.size).toBe(MAX_PARKED_CONSENTS);

    as.realm.clock.advance(CONSENT_TTL_SECONDS);
    expect((await show(as, clientId)).res.status).toBe(200);
    expect(as.realm.consents.size).toBe(1);
  });

  it('reset drops every parked request; a sweep drops the expired ones', async () => {
    const { client_id: clientId } = await register(as);
    await show(as, clientId);
    await as.realm.reset();
    expect(as.realm.consents.size).toBe(0);
    const again = await register(as);
    await show(as, again.client_id);
    as.realm.clock.advance(CONSENT_TTL_SECONDS + 1);
    await as.realm.sweep();
    expect(as.realm.consents.size).toBe(0);
  });

  it('parks nothing for a request that fails validation, nor for HEAD', async () => {
    const { client_id: clientId } = await register(as);
    const bad = await show(as, clientId, { scope: 'nope:nope' });
    expect(bad.res.status).toBe(302);
    expect(new URL(bad.res.headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');
    const head = await as.req(`/authorize?${authorizeQuery(clientId, pkce().challenge)}`, { method: 'HEAD' });
    expect(head.status).toBe(405);
    expect(as.realm.consents.size).toBe(0);
  });
});

describe('faults on a parked request', () => {
  it('what an iss or state fault spoils at /authorize is spoilt in the decision’s redirect, however late it comes', async () => {
    const { client_id: clientId } = await register(as);
    for (const effect of [{ kind: 'iss', mode: 'omitted' }, { kind: 'state', mode: 'altered' }]) {
      expect((await as.req('/control/faults', jsonPost({ endpoint: 'authorize', effect, times: 1 }))).status).toBe(201);
    }
    const page = await show(as, clientId);
    expect(page.res.status).toBe(200);
    // Struck at /authorize, once each: a second page would be unspoilt.
    expect(as.realm.faults.list()).toEqual([]);
    const { consentId, csrf } = formFields(page.text);
    const res = await decide({ consent_id: consentId, csrf, decision: 'approve', scope: 'mcp:read' });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('code')).toBeTruthy();
    expect(back.searchParams.get('iss')).toBeNull();
    expect(back.searchParams.get('state')).toBe('st-1-altered');
  });
});

describe('events', () => {
  it('the page shown and the decision are facts of authorize events, and the console line names them', async () => {
    const { client_id: clientId } = await register(as, { client_name: 'Events client' });
    const since = as.realm.events.lastId;
    const page = await show(as, clientId);
    const { consentId, csrf } = formFields(page.text);
    await decide({ consent_id: consentId, csrf, decision: 'approve', scope: 'mcp:read', sub: 'alice' });
    const events = as.realm.events.since(since).filter((e) => e.type === 'request' && e.endpoint === 'authorize');
    expect(events).toMatchObject([
      { path: '/authorize', status: 200, outcome: 'ok', clientId, consent: 'page-shown' },
      { path: '/consent', status: 302, outcome: 'ok', clientId, consent: 'approved', subject: 'alice', scopes: ['mcp:read'], scopesDeclined: ['mcp:write'] },
    ]);
    expect(formatEvent(events[0]!)).toMatch(/^\[oauth\] GET \/authorize → ok 200 \d+ms consent=page-shown$/);
    expect(formatEvent(events[1]!)).toMatch(/^\[oauth\] POST \/consent → ok 302 \d+ms scope="mcp:read" consent=approved sub=alice declined="mcp:write"$/);
  });
});
