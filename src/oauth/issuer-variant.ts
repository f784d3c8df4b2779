import type { IssuerVariant } from '../faults.js';

/** The issuer string another origin would have: `.invalid` is reserved never to resolve (RFC 6761 §6.4). */
export const WRONG_ISSUER = 'https://wrong-issuer.invalid';

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * The issuer as an `iss` or `issuer` fault spoils it (faults.ts ISSUER_VARIANTS): each variant but
 * `wrong` names the same origin to a normalising comparison and is another string to the simple
 * string comparison RFC 3986 §6.2.1 (RFC 8414 §3.3, RFC 9207 §2.4, SEP-2468) requires.
 * Works on the string, not through URL, which would normalise the variant away again.
 */
export function issuerVariant(issuer: string, variant: IssuerVariant): string {
  if (variant === 'wrong') return WRONG_ISSUER;
  if (variant === 'trailing-slash') return issuer.endsWith('/') ? issuer.slice(0, -1) : `${issuer}/`;
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/?#]*)(.*)$/.exec(issuer);
  if (!m) return issuer;
  const [, scheme, authority, rest] = m as unknown as [string, string, string, string];
  if (variant === 'upper-case') return `${scheme.toUpperCase()}${authority.toUpperCase()}${rest}`;
  // An authority ending in :digits has a port; an IPv6 literal's colons sit inside brackets.
  const port = /:(\d+)$/.exec(authority);
  if (port) return `${scheme}${authority.slice(0, port.index)}:0${port[1]}${rest}`;
  return `${scheme}${authority}:${DEFAULT_PORTS[scheme.slice(0, -2).toLowerCase()] ?? '443'}${rest}`;
}
