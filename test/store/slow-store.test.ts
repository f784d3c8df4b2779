import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { bindConfig, Realm } from '../../src/realm.js';
import { createAuthServer } from '../../src/server.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';
import { authorize, introspect, register, token } from '../support/oauth.js';
import { type AS } from '../support/servers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The memory store with the latency a database adds to saving a token: the window in which a replay
 * or a reuse can revoke a grant between the winner's consume and its saves.
 */
function slowSaves(inner: Store, ms: number): Store {
  return new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (key === 'upsert') {
        return async (model: 'code' | 'access' | 'refresh', ...rest: unknown[]) => {
          if (model !== 'code') await sleep(ms);
          return (value as (...a: unknown[]) => unknown).call(target, model, ...rest);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

let realm: Realm | undefined;
afterEach(() => realm?.close());

function slowAS(ms: number): AS {
  const config = bindConfig(resolveConfig({ oauthBaseUrl: 'http://localhost:9100', mcpBaseUrl: 'http://localhost:9101' }));
  realm = new Realm(config, undefined, slowSaves(new MemoryStore(() => realm!.clock.now()), ms));
  const { app } = createAuthServer({}, realm);
  return { app, realm, req: async (path, init) => app.request(path, init) };
}

describe('a store whose saves take time: no token of a replayed or reused grant survives', () => {
  it('parallel redemptions of one code: the winner saving after a replay revoked the grant hands out nothing that works', async () => {
    const as = slowAS(150);
    const client = await register(as);
    const a = await authorize(as, client.client_id);
    const params = { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: a.redirectUri, client_id: client.client_id };
    const answers = await Promise.all(Array.from({ length: 5 }, async () => {
      const res = await token(as, params);
      return { status: res.status, body: (await res.json()) as Record<string, string> };
    }));
    const wins = answers.filter((x) => x.status === 200);
    expect(wins.length).toBeLessThanOrEqual(1);
    for (const x of answers.filter((y) => y.status !== 200)) expect(x.body.error).toBe('invalid_grant');
    for (const w of wins) {
      expect(await introspect(as, w.body.access_token!)).toMatchObject({ active: false });
      expect(await introspect(as, w.body.refresh_token!)).toMatchObject({ active: false });
    }
    if (wins.length === 0) expect(answers.map((x) => x.body.error_description).join('\n')).toContain('revoked while this request was served');
    expect((await as.realm.store.counts()).accessTokens + (await as.realm.store.counts()).refreshTokens).toBe(0);
  });

  it('parallel refreshes of one rotated token: no new token outlives the family', async () => {
    const as = slowAS(150);
    const client = await register(as);
    const a = await authorize(as, client.client_id);
    const first = await token(as, { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: a.redirectUri, client_id: client.client_id });
    const rt0 = ((await first.json()) as { refresh_token: string }).refresh_token;
    as.realm.setPolicy({ rotateRefreshTokens: true });
    const answers = await Promise.all(Array.from({ length: 5 }, async () => {
      const res = await token(as, { grant_type: 'refresh_token', refresh_token: rt0, client_id: client.client_id });
      return { status: res.status, body: (await res.json()) as Record<string, string> };
    }));
    expect(answers.filter((x) => x.status === 200).length).toBeLessThanOrEqual(1);
    for (const x of answers) {
      if (x.status !== 200) expect(x.body.error).toBe('invalid_grant');
      else {
        expect(await introspect(as, x.body.access_token!)).toMatchObject({ active: false });
        expect(await introspect(as, x.body.refresh_token!)).toMatchObject({ active: false });
      }
    }
    expect((await as.realm.store.counts()).accessTokens + (await as.realm.store.counts()).refreshTokens).toBe(0);
  });
});
