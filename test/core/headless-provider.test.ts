import { readFileSync } from 'node:fs';
import type { OAuthClientProvider as V2Provider } from '@modelcontextprotocol/client';
import type { OAuthClientProvider as V1Provider } from '@modelcontextprotocol/sdk/client/auth.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { start } from '../support/servers.js';

/**
 * The provider shipped for users' tests: one class for both SDK generations, by its shape alone.
 * The assignments below are the proof at compile time (tsc over test/); these tests hold the rest.
 */
const asV1: V1Provider = new HeadlessOAuthProvider();
const asV2: V2Provider = new HeadlessOAuthProvider();

describe('HeadlessOAuthProvider', () => {
  it('is an OAuthClientProvider of both SDK clients', () => {
    expect(asV1.redirectUrl).toBe(asV2.redirectUrl);
  });

  it('as built, imports nothing at runtime: no SDK is needed to load it', () => {
    const built = readFileSync(new URL('../../dist/testing/headless-provider.js', import.meta.url), 'utf8');
    expect(built).not.toMatch(/^\s*import\b|\bimport\(|\brequire\(/m);
  });

  it('forgets exactly what invalidateCredentials names', () => {
    const fill = () => {
      const p = new HeadlessOAuthProvider();
      p.saveClientInformation({ client_id: 'c' });
      p.saveTokens({ access_token: 'a', token_type: 'Bearer' });
      p.saveCodeVerifier('v');
      p.saveDiscoveryState({ authorizationServerUrl: 'http://127.0.0.1:1' });
      return p;
    };
    const held = (p: HeadlessOAuthProvider) => [p.clientInformation(), p.tokens(), p.codeVerifier(), p.discoveryState()].map(Boolean);
    const cases = { client: [false, true, true, true], tokens: [true, false, true, true], verifier: [true, true, false, true], discovery: [true, true, true, false], all: [false, false, false, false] } as const;
    for (const [scope, expected] of Object.entries(cases)) {
      const p = fill();
      p.invalidateCredentials(scope as keyof typeof cases);
      expect(held(p), scope).toEqual(expected);
      expect(p.invalidations).toEqual([scope]);
    }
  });

  it('before any redirect, says so instead of handing finishAuth nothing', () => {
    const p = new HeadlessOAuthProvider();
    expect(() => p.code).toThrow(/no authorization redirect yet/);
    expect(() => p.callbackParams).toThrow(/no authorization redirect yet/);
  });
});

describe('its headless visit to /authorize', () => {
  let s: RunningServers;
  beforeAll(async () => {
    s = await start();
  });
  afterAll(() => s?.close());

  it('keeps the redirect and the URL it visited; a refusal that is no redirect fails the visit with the page', async () => {
    const p = new HeadlessOAuthProvider();
    // Phase 1 of /authorize: an unknown client gets a 400 page, never a redirect (RFC 6749 §4.1.2.1).
    const url = new URL(`/authorize?response_type=code&client_id=nobody&redirect_uri=${encodeURIComponent(p.redirectUrl)}&scope=mcp%3Aread`, s.oauthUrl);
    await expect(p.redirectToAuthorization(url)).rejects.toThrow(/^\/authorize answered 400 without a redirect/);
    expect(p.authorizations).toBe(1);
    expect(p.lastAuthorizationUrl?.searchParams.get('scope')).toBe('mcp:read');
    expect(p.lastRedirect).toBeUndefined();
  });

  it('under CONSENT=page, says that a person must approve, instead of printing the page; nothing is issued', async () => {
    await s.control.reset();
    const res = await fetch(`${s.oauthUrl}/control/consent`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"mode":"page"}' });
    expect(res.status).toBe(200);
    try {
      const reg = await fetch(`${s.oauthUrl}/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ redirect_uris: [new HeadlessOAuthProvider().redirectUrl], token_endpoint_auth_method: 'none' }) });
      const { client_id } = (await reg.json()) as { client_id: string };
      const p = new HeadlessOAuthProvider();
      const url = new URL(`/authorize?response_type=code&client_id=${encodeURIComponent(client_id)}&redirect_uri=${encodeURIComponent(p.redirectUrl)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256&state=s1`, s.oauthUrl);
      const err = await p.redirectToAuthorization(url).then(() => undefined, (e: unknown) => e);
      expect(String(err)).toMatch(/^Error: \/authorize answered its consent page \(CONSENT=page\): a headless client cannot approve it/);
      expect(String(err)).not.toMatch(/<html|<form/i);
      expect(p.lastRedirect).toBeUndefined();
      expect((await s.control.state()).live.codes).toBe(0);
    } finally {
      await s.control.reset();
    }
  });
});
