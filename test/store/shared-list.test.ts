import { describe, expect, it } from 'vitest';
import { sharedList } from '../../src/store/shared-list.js';

describe('sharedList: one frozen array per distinct list', () => {
  it('gives the same frozen array for equal lists, a different one for a different list', () => {
    const a = sharedList(['mcp:read', 'mcp:write']);
    expect(sharedList(['mcp:read', 'mcp:write'])).toBe(a);
    expect(a).toEqual(['mcp:read', 'mcp:write']);
    expect(Object.isFrozen(a)).toBe(true);
    expect(() => (a as string[]).push('x')).toThrow(TypeError);
    expect(sharedList(['mcp:write', 'mcp:read'])).not.toBe(a);
    expect(sharedList(['mcp:read'])).toEqual(['mcp:read']);
    expect(sharedList([])).toEqual([]);
  });

  it('gives a frozen list back as it is: a grant hands its own on to the tokens it mints', () => {
    const own = Object.freeze(['x:one', 'x:two']);
    expect(sharedList(own)).toBe(own);
    const first = sharedList(['y:one']);
    expect(sharedList(first)).toBe(first);
  });

  it('never takes one list for another, even where joining them would (elements with spaces)', () => {
    const spaced = sharedList(['a b', 'c']);
    expect(spaced).toEqual(['a b', 'c']);
    expect(sharedList(['a', 'b c'])).toEqual(['a', 'b c']);
    expect(sharedList(['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
  });

  it('is bounded: past its size, or for a very long list, the list is kept as given', () => {
    for (let i = 0; i < 300; i++) sharedList([`s${i}`, 'bounded']);
    const late = ['late-list', 'bounded'];
    expect(sharedList(late)).toBe(late);
    const long = ['x'.repeat(5000)];
    expect(sharedList(long)).toBe(long);
  });
});
