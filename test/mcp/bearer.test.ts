import { describe, expect, it } from 'vitest';
import { checkBearer, type BearerCheck } from '../../src/mcp/bearer.js';
import { IntrospectionFailed, type Introspection, type IntrospectionClient } from '../../src/mcp/introspection.js';
import { IntrospectionVerifier } from '../../src/mcp/introspection-verifier.js';

const RESOURCE = 'http://localhost:9101/mcp';
const SCOPE = 'mcp:read mcp:write';

/** An introspection client that answers from a table and records what it was asked. */
function fakeIntrospection(answer: (token: string) => Introspection | Error) {
  const asked: string[] = [];
  const client = {
    url: 'http://as.test/introspect',
    async introspect(token: string) {
      asked.push(token);
      const a = answer(token);
      if (a instanceof Error) throw a;
      return a;
    },
  } as unknown as IntrospectionClient;
  return { client, asked };
}

const active = (extra: Partial<Introspection> = {}): Introspection => ({ active: true, scope: 'mcp:read', client_id: 'c1', sub: 'u', aud: RESOURCE, exp: 2e9, ...extra });

async function check(authorization: string | undefined, facts: Introspection | Error = active(), query = ''): Promise<{ result: BearerCheck; asked: string[] }> {
  const { client, asked } = fakeIntrospection(() => facts);
  const result = await checkBearer(authorization, new URLSearchParams(query), RESOURCE, () => SCOPE, new IntrospectionVerifier(client));
  return { result, asked };
}

const challengeOf = (r: BearerCheck) => (r.ok ? undefined : r.challenge);

describe('checkBearer: what a request’s credentials are worth', () => {
  it('accepts an active token for this resource and passes on what introspection said', async () => {
    const { result, asked } = await check('Bearer at_abc-._~+/==');
    expect(asked).toEqual(['at_abc-._~+/==']);
    expect(result).toEqual({ ok: true, token: 'at_abc-._~+/==', facts: { clientId: 'c1', sub: 'u', scope: 'mcp:read', aud: [RESOURCE], exp: 2e9 } });
  });

  it('never introspects without a Bearer credential', async () => {
    for (const h of [undefined, '', 'Basic abc', 'Bearerabc']) {
      const { result, asked } = await check(h);
      expect(challengeOf(result)).toEqual({ status: 401, scope: SCOPE });
      expect(result).toMatchObject({ bearerIn: 'none' });
      expect(result).not.toHaveProperty('presented');
      expect(asked).toEqual([]);
    }
  });

  it('refuses a query-string token before anything else (400 invalid_request)', async () => {
    const { result, asked } = await check('Bearer good', active(), 'access_token=good');
    expect(challengeOf(result)).toMatchObject({ status: 400, error: 'invalid_request' });
    // Where it came and what it was, for a report card (bearer-header-only).
    expect(result).toMatchObject({ bearerIn: 'query', presented: 'good' });
    expect(asked).toEqual([]);
  });

  it('reports introspection failures with their cause and the scope', async () => {
    const { result } = await check('Bearer t', new IntrospectionFailed('connect ECONNREFUSED 127.0.0.1:9100'));
    expect(result).toEqual({
      ok: false,
      challenge: { status: 401, error: 'invalid_token', description: 'introspection failed: connect ECONNREFUSED 127.0.0.1:9100', scope: SCOPE },
      verifierUnavailable: 'connect ECONNREFUSED 127.0.0.1:9100',
      bearerIn: 'header',
      presented: 't',
    });
  });

  it.each([
    ['exactly this resource', RESOURCE, true],
    ['an array that contains it', ['https://other.example/mcp', RESOURCE], true],
    ['the whole origin (a parent of /mcp)', 'http://localhost:9101', true],
    ['the origin with a slash', 'http://localhost:9101/', true],
    ['another server', 'https://other.example/mcp', false],
    ['another port', 'http://localhost:9102/mcp', false],
    ['another scheme', 'https://localhost:9101/mcp', false],
    ['another host spelling', 'http://127.0.0.1:9101/mcp', false],
    ['a sibling path sharing a prefix', 'http://localhost:9101/mc', false],
    ['a longer sibling', 'http://localhost:9101/mcp-admin', false],
    ['a sub-path', 'http://localhost:9101/mcp/tools', false],
    ['a trailing-slash variant', 'http://localhost:9101/mcp/', false],
    ['not a URL', 'mcp', false],
    ['no audience at all', undefined, false],
    ['an empty array', [], false],
  ])('audience %s → %s', async (_name, aud, accepted) => {
    const { result } = await check('Bearer t', active({ aud: aud as string | string[] | undefined }));
    expect(result.ok).toBe(accepted);
    if (!accepted) expect(challengeOf(result)).toMatchObject({ status: 401, error: 'invalid_token', scope: SCOPE });
  });

  it('a refresh token presented as a bearer token is refused by its token_type, even with an audience', async () => {
    const { result } = await check('Bearer rt_x', { active: true, scope: 'mcp:read', token_type: 'refresh_token', sub: 'u', aud: RESOURCE });
    expect(challengeOf(result)).toMatchObject({ status: 401, error: 'invalid_token', description: expect.stringContaining('refresh token') });
  });

  it('an inactive token is invalid_token', async () => {
    const { result } = await check('Bearer t', { active: false });
    expect(challengeOf(result)).toMatchObject({ status: 401, error: 'invalid_token', scope: SCOPE });
  });
});
