import { describe, expect, it } from 'vitest';
import { canonicalBaseUrl, ConfigError, optionsFromEnv, optionsFromFlags, resolveConfig } from '../src/config.js';
import { bindConfig } from '../src/realm.js';

describe('configuration', () => {
  it('fills defaults: loopback host, contract ports, 3600 s tokens', () => {
    const c = bindConfig(resolveConfig({}));
    expect(c).toMatchObject({ host: '127.0.0.1', oauthPort: 9100, mcpPort: 9101, tokenTtlSeconds: 3600, oauthBaseUrl: 'http://localhost:9100', mcpBaseUrl: 'http://localhost:9101' });
    expect(c.introspectionClientSecret.length).toBeGreaterThanOrEqual(43);
    expect(resolveConfig({}).introspectionClientSecret).not.toBe(c.introspectionClientSecret);
  });

  it('reads the nine contract variables plus HOST', () => {
    const o = optionsFromEnv({
      OAUTH_PORT: '1',
      MCP_PORT: '2',
      OAUTH_BASE_URL: 'https://as.example/',
      MCP_BASE_URL: 'https://rs.example',
      TLS_CERT_FILE: 'c.pem',
      TLS_KEY_FILE: 'k.pem',
      SEED_REFRESH_TOKEN: 'seed',
      TOKEN_TTL_SECONDS: '5',
      SCOPES: 'a b  c',
      HOST: '0.0.0.0',
    });
    expect(resolveConfig(o)).toMatchObject({
      oauthPort: 1,
      mcpPort: 2,
      oauthBaseUrl: 'https://as.example',
      mcpBaseUrl: 'https://rs.example',
      tlsCertFile: 'c.pem',
      tlsKeyFile: 'k.pem',
      seedRefreshToken: 'seed',
      tokenTtlSeconds: 5,
      scopes: ['a', 'b', 'c'],
      host: '0.0.0.0',
    });
  });

  it.each([
    [{ OAUTH_PORT: 'abc' }, 'OAUTH_PORT must be an integer from 0 to 65535 (got "abc")'],
    [{ MCP_PORT: '70000' }, 'MCP_PORT must be an integer from 0 to 65535 (got "70000")'],
    [{ TOKEN_TTL_SECONDS: '-1' }, 'TOKEN_TTL_SECONDS must be a positive whole number (got "-1")'],
    [{ TOKEN_TTL_SECONDS: '1.5' }, 'TOKEN_TTL_SECONDS must be a positive whole number'],
    [{ OAUTH_BASE_URL: '::nope' }, 'OAUTH_BASE_URL must be an absolute http(s) URL'],
    [{ MCP_BASE_URL: 'ftp://x' }, 'MCP_BASE_URL must be an http or https URL'],
    [{ OAUTH_BASE_URL: 'http://x/?q=1' }, 'OAUTH_BASE_URL must be a URL without query, fragment or credentials'],
  ])('refuses %o naming the variable', (env, message) => {
    expect(() => optionsFromEnv(env)).toThrow(ConfigError);
    expect(() => optionsFromEnv(env)).toThrow(message);
  });

  it('refuses scopes that are not RFC 6749 scope tokens, and half a TLS pair', () => {
    expect(() => resolveConfig(optionsFromEnv({ SCOPES: 'ok "bad"' }))).toThrow('SCOPES must be space-separated scope tokens');
    expect(() => resolveConfig({ tlsCertFile: 'c.pem' })).toThrow('TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  });

  it('reads REFRESH_TOKEN_ISSUANCE / --refresh-token-issuance (default always) and refuses other values naming the modes', () => {
    expect(resolveConfig({}).refreshTokenIssuance).toBe('always');
    expect(resolveConfig(optionsFromEnv({ REFRESH_TOKEN_ISSUANCE: 'offline_access' })).refreshTokenIssuance).toBe('offline_access');
    expect(resolveConfig(optionsFromFlags({ '--refresh-token-issuance': 'never' })).refreshTokenIssuance).toBe('never');
    expect(() => optionsFromEnv({ REFRESH_TOKEN_ISSUANCE: 'Always' })).toThrow('REFRESH_TOKEN_ISSUANCE must be always, or offline_access, or never (got "Always")');
    expect(() => resolveConfig({ refreshTokenIssuance: 'sometimes' as never })).toThrow('refreshTokenIssuance must be always, or offline_access, or never');
  });

  it('reads MCP_ERA / --era (default dual) and refuses other values naming the eras', () => {
    expect(resolveConfig({}).mcpEra).toBe('dual');
    expect(resolveConfig(optionsFromEnv({ MCP_ERA: 'modern' })).mcpEra).toBe('modern');
    expect(resolveConfig(optionsFromFlags({ '--era': 'legacy' })).mcpEra).toBe('legacy');
    expect(() => optionsFromEnv({ MCP_ERA: 'Modern' })).toThrow('MCP_ERA must be dual, or modern, or legacy (got "Modern")');
    expect(() => resolveConfig({ mcpEra: 'both' as never })).toThrow('mcpEra must be dual, or modern, or legacy');
  });

  it('reads CONSENT / --consent (default auto) and CONSENT_USERS / --consent-users (default test-user alice bob), refusing bad ones', () => {
    expect(resolveConfig({})).toMatchObject({ consent: 'auto', consentUsers: ['test-user', 'alice', 'bob'] });
    expect(resolveConfig(optionsFromEnv({ CONSENT: 'page', CONSENT_USERS: 'carol dave' }))).toMatchObject({ consent: 'page', consentUsers: ['carol', 'dave'] });
    expect(resolveConfig(optionsFromFlags({ '--consent': 'page', '--consent-users': 'erin' }))).toMatchObject({ consent: 'page', consentUsers: ['erin'] });
    expect(() => optionsFromEnv({ CONSENT: 'manual' })).toThrow('CONSENT must be auto or page (got "manual")');
    expect(() => resolveConfig({ consentUsers: 'a a' })).toThrow('CONSENT_USERS must be user names without repeats');
    expect(() => resolveConfig({ consentUsers: ['x'.repeat(65)] })).toThrow('CONSENT_USERS must be user names of 1-64 visible ASCII characters');
    expect(() => resolveConfig({ consentUsers: Array.from({ length: 21 }, (_, i) => `u${i}`) })).toThrow('CONSENT_USERS must be 1 to 20 user names');
    expect(() => resolveConfig({ consentUsers: [] })).toThrow('CONSENT_USERS must be 1 to 20 user names');
  });

  it('names the flag and its variable for bad flags; refuses unknown flags', () => {
    expect(() => optionsFromFlags({ '--token-ttl': '0' })).toThrow('--token-ttl (TOKEN_TTL_SECONDS) must be a positive whole number');
    expect(() => optionsFromFlags({ '--nope': '1' })).toThrow('unknown option --nope');
  });

  it('keeps one canonical base URL: no trailing slash, lower-case host, default port dropped', () => {
    expect(canonicalBaseUrl('HTTP://LocalHost:80/')).toBe('http://localhost');
    expect(canonicalBaseUrl('https://as.example/tenant/')).toBe('https://as.example/tenant');
  });

  it('advertises loopback and wildcard binds as localhost, with https under TLS', () => {
    expect(bindConfig(resolveConfig({ host: '0.0.0.0' }), { oauth: 1, mcp: 2 }, true)).toMatchObject({ oauthBaseUrl: 'https://localhost:1', mcpBaseUrl: 'https://localhost:2' });
    expect(bindConfig(resolveConfig({ host: '10.1.2.3' }), { oauth: 1, mcp: 2 })).toMatchObject({ oauthBaseUrl: 'http://10.1.2.3:1' });
  });
});
