import { expect } from 'vitest';

/** One parsed challenge of a WWW-Authenticate field (RFC 9110 §11.6.1, formerly RFC 7235 §4.1). */
export interface ParsedChallenge {
  scheme: string;
  token68?: string;
  params: Record<string, string>;
}

// RFC 9110 §5.6.2: tchar; §5.6.4: qdtext / quoted-pair (obs-text excluded: we never send it).
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const QDTEXT = /[\t \x21\x23-\x5b\x5d-\x7e]/;
const QPAIR = /[\t \x21-\x7e]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * A strict parser for `1#challenge`: anything the grammar does not allow throws, and so does an
 * auth-param repeated within one challenge (RFC 9110 §11.2 "MUST NOT appear more than once").
 */
export function parseWwwAuthenticate(value: string): ParsedChallenge[] {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`invalid WWW-Authenticate at ${i}: ${why} in ${JSON.stringify(value)}`);
  };
  const peek = () => value[i];
  const ows = () => {
    while (peek() === ' ' || peek() === '\t') i++;
  };
  const token = (): string => {
    const start = i;
    while (i < value.length && TCHAR.test(value[i]!)) i++;
    if (i === start) fail('expected a token');
    return value.slice(start, i);
  };
  const quoted = (): string => {
    if (peek() !== '"') fail('expected a quoted-string');
    i++;
    let out = '';
    for (;;) {
      const ch = value[i];
      if (ch === undefined) fail('unterminated quoted-string');
      if (ch === '"') break;
      if (ch === '\\') {
        const next = value[i + 1];
        if (next === undefined || !QPAIR.test(next)) fail('bad quoted-pair');
        out += next;
        i += 2;
        continue;
      }
      if (!QDTEXT.test(ch!)) fail(`character ${JSON.stringify(ch)} not allowed in a quoted-string`);
      out += ch;
      i++;
    }
    i++;
    return out;
  };
  // Looks ahead: is the text at i an auth-param (token BWS "=") rather than the next challenge's scheme?
  const atParam = (): boolean => {
    const m = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+[ \t]*=/.exec(value.slice(i));
    return m !== null && !/^[A-Za-z0-9\-._~+/]+=+[ \t]*(,|$)/.test(value.slice(i));
  };

  const challenges: ParsedChallenge[] = [];
  ows();
  while (i < value.length) {
    const ch: ParsedChallenge = { scheme: token(), params: {} };
    challenges.push(ch);
    if (i === value.length) break;
    if (peek() === ',') {
      i++;
      ows();
      continue;
    }
    if (peek() !== ' ') fail('expected SP after the auth-scheme');
    while (peek() === ' ') i++;
    if (!atParam()) {
      const m = /^[A-Za-z0-9\-._~+/]+=*/.exec(value.slice(i));
      if (!m || !TOKEN68.test(m[0])) fail('expected token68 or auth-param');
      ch.token68 = m![0];
      i += m![0].length;
      ows();
      if (i < value.length && peek() !== ',') fail('junk after token68');
      if (peek() === ',') i++;
      ows();
      continue;
    }
    for (;;) {
      const name = token().toLowerCase();
      ows();
      if (peek() !== '=') fail('expected "="');
      i++;
      ows();
      const v = peek() === '"' ? quoted() : token();
      if (name in ch.params) fail(`auth-param ${name} repeated`);
      ch.params[name] = v;
      ows();
      if (i === value.length) break;
      if (peek() !== ',') fail('expected "," between auth-params');
      while (peek() === ',' || peek() === ' ' || peek() === '\t') i++;
      if (i === value.length || !atParam()) break;
    }
  }
  if (challenges.length === 0) fail('no challenge');
  return challenges;
}

/**
 * Parses a response's WWW-Authenticate as exactly one Bearer challenge and checks RFC 6750 §3's
 * character sets for error, error_description and scope.
 */
export function bearerChallenge(res: Response): Record<string, string> {
  const header = res.headers.get('www-authenticate');
  expect(header, 'WWW-Authenticate header').toBeTruthy();
  const parsed = parseWwwAuthenticate(header!);
  expect(parsed).toHaveLength(1);
  const [ch] = parsed;
  expect(ch!.scheme).toBe('Bearer');
  expect(ch!.token68).toBeUndefined();
  const p = ch!.params;
  if (p.error !== undefined) expect(p.error).toMatch(/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/);
  if (p.error_description !== undefined) expect(p.error_description).toMatch(/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/);
  if (p.scope !== undefined) expect(p.scope).toMatch(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/);
  return p;
}
