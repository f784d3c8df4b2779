import { describe, expect, it } from 'vitest';
import { bearerHeader, challengeResponse, quote, safeDescription } from '../../src/mcp/challenge.js';
import { bearerChallenge, parseWwwAuthenticate } from '../support/www-authenticate.js';

const PRM = 'http://localhost:9101/.well-known/oauth-protected-resource/mcp';

describe('quote()', () => {
  it('wraps plain text in double quotes', () => {
    expect(quote('mcp:read mcp:write')).toBe('"mcp:read mcp:write"');
    expect(quote('')).toBe('""');
  });

  it('backslash-escapes " and \\ and nothing else', () => {
    expect(quote('a"b')).toBe('"a\\"b"');
    expect(quote('a\\b')).toBe('"a\\\\b"');
    expect(quote('\\"')).toBe('"\\\\\\""');
    expect(quote("it's /ok/ = , ;")).toBe('"it\'s /ok/ = , ;"');
  });

  it('round-trips through a strict quoted-string parser', () => {
    for (const s of ['x', 'a"b', 'a\\b', '\\', '"', 'end\\', '"\\"\\', 'a, b="c"']) {
      const [ch] = parseWwwAuthenticate(`Bearer v=${quote(s)}`);
      expect(ch!.params.v).toBe(s);
    }
  });
});

describe('safeDescription()', () => {
  it('keeps the characters RFC 6750 §3 allows', () => {
    const allowed = Array.from({ length: 0x7f - 0x20 }, (_, k) => String.fromCharCode(0x20 + k))
      .filter((c) => c !== '"' && c !== '\\')
      .join('');
    expect(safeDescription(allowed)).toBe(allowed);
  });

  it('replaces " with \' and \\ with / so no escaping is ever needed', () => {
    expect(safeDescription('say "hi"')).toBe("say 'hi'");
    expect(safeDescription('C:\\path')).toBe('C:/path');
  });

  it('replaces controls and non-ASCII with ?', () => {
    expect(safeDescription('a\nb\tc\x7fd é')).toBe('a?b?c?d ?');
    expect(safeDescription('emoji 🙂')).toMatch(/^emoji \?+$/);
  });
});

describe('bearerHeader()', () => {
  it('omits error and error_description for a plain challenge (RFC 6750 §3.1)', () => {
    const h = bearerHeader({ status: 401, scope: 'mcp:read', description: 'ignored without error' }, PRM);
    expect(h).toBe(`Bearer scope="mcp:read", resource_metadata="${PRM}"`);
  });

  it('produces a strictly parsable challenge even for hostile descriptions', () => {
    const description = 'bad "token" \\ with\r\nnewline, and=equals';
    const res = challengeResponse({ status: 401, error: 'invalid_token', description, scope: 'mcp:read mcp:write' }, PRM);
    expect(res.status).toBe(401);
    const p = bearerChallenge(res);
    expect(p).toEqual({
      error: 'invalid_token',
      error_description: "bad 'token' / with??newline, and=equals",
      scope: 'mcp:read mcp:write',
      resource_metadata: PRM,
    });
  });
});

describe('the strict WWW-Authenticate parser itself', () => {
  it('accepts the RFC grammar: several challenges, token68, token values, BWS', () => {
    expect(parseWwwAuthenticate('Basic YWxhZGRpbjpvcGVuc2VzYW1l, Bearer realm="x", error=invalid_token')).toEqual([
      { scheme: 'Basic', token68: 'YWxhZGRpbjpvcGVuc2VzYW1l', params: {} },
      { scheme: 'Bearer', params: { realm: 'x', error: 'invalid_token' } },
    ]);
    expect(parseWwwAuthenticate('Bearer a = "1" ,b="2"')[0]!.params).toEqual({ a: '1', b: '2' });
    expect(parseWwwAuthenticate('Bearer')).toEqual([{ scheme: 'Bearer', params: {} }]);
  });

  it.each([
    ['unescaped quote', 'Bearer error_description="a"b"'],
    ['unterminated string', 'Bearer realm="x'],
    ['raw newline', 'Bearer realm="a\nb"'],
    ['missing comma', 'Bearer a="1" b="2"'],
    ['repeated param', 'Bearer a="1", a="2"'],
    ['empty value', 'Bearer a="1", b='],
    ['no space after scheme', 'Bearer,a="1"x'],
    ['bad token char', 'Bearer a@b="1"'],
    ['dangling backslash', 'Bearer a="x\\'],
  ])('rejects %s', (_name, value) => {
    expect(() => parseWwwAuthenticate(value)).toThrow(/invalid WWW-Authenticate/);
  });
});
