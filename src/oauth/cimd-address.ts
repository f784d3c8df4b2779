import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Special-use addresses a client ID metadata document must not be fetched from
 * (draft-ietf-oauth-client-id-metadata-document, "Server Side Request Forgery (SSRF) Attacks": the
 * special-use addresses of RFC 6890 and its IANA registries):
 * a client_id is a URL anyone can type, and the fetch runs inside the authorization server's network.
 */
const RANGES: ReadonlyArray<[kind: string, net: string, prefix: number, family: 'ipv4' | 'ipv6']> = [
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['shared address space (RFC 6598)', '100.64.0.0', 10, 'ipv4'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['IETF protocol assignments', '192.0.0.0', 24, 'ipv4'],
  ['documentation', '192.0.2.0', 24, 'ipv4'],
  ['6to4 relay anycast', '192.88.99.0', 24, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['benchmarking', '198.18.0.0', 15, 'ipv4'],
  ['documentation', '198.51.100.0', 24, 'ipv4'],
  ['documentation', '203.0.113.0', 24, 'ipv4'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['reserved', '240.0.0.0', 4, 'ipv4'],
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  ['IPv4-compatible (deprecated)', '::', 96, 'ipv6'],
  ['local-use NAT64', '64:ff9b:1::', 48, 'ipv6'],
  ['discard-only', '100::', 64, 'ipv6'],
  ['Teredo', '2001::', 32, 'ipv6'],
  ['benchmarking', '2001:2::', 48, 'ipv6'],
  ['documentation', '2001:db8::', 32, 'ipv6'],
  ['6to4', '2002::', 16, 'ipv6'],
  ['unique-local', 'fc00::', 7, 'ipv6'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['site-local (deprecated)', 'fec0::', 10, 'ipv6'],
  ['multicast', 'ff00::', 8, 'ipv6'],
];

const LISTS = RANGES.map(([kind, net, prefix, family]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, family);
  return { kind, list, family };
});

/** IPv4 carried in IPv6 (::ffff:a.b.c.d mapped, 64:ff9b::/96 NAT64) is judged as the IPv4 address it reaches. */
function embeddedIPv4(ip: string): string | undefined {
  const m = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(ip);
  if (!m) return undefined;
  if (m[1]) return m[1];
  const hi = parseInt(m[2]!, 16);
  const lo = parseInt(m[3]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** The kind of special-use address `ip` is (loopback, private, link-local, …), or undefined for a public one. */
export function specialUse(ip: string): string | undefined {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const v4 = isIPv6(bare) ? embeddedIPv4(bare.toLowerCase()) : bare;
  if (v4 !== undefined && isIPv4(v4)) return LISTS.find((l) => l.family === 'ipv4' && l.list.check(v4, 'ipv4'))?.kind;
  if (!isIPv6(bare)) return 'not an IP address';
  return LISTS.find((l) => l.family === 'ipv6' && l.list.check(bare, 'ipv6'))?.kind;
}
