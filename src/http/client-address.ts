// Who is asking, for throttling failed sign-ins. The address the request came from (the socket's on
// Node, CF-Connecting-IP on Workers) unless TRUST_PROXY lists it: then X-Forwarded-For is read from
// the right, past every trusted proxy, and the first address no trusted proxy holds is the client.
// Addresses further left were written by the client itself and are never believed.
import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Longer than any address (an IPv6 with a zone id included): not parsed, so no one can make parsing slow. */
const MAX_ADDRESS_LENGTH = 64;

const parse = (text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined => {
  if (text.length > MAX_ADDRESS_LENGTH) return undefined;
  // Only dotted quads for IPv4: ipaddr.js would also read `10` or `0x7f.1` as addresses.
  if (!ipaddr.IPv4.isValidFourPartDecimal(text) && !ipaddr.IPv6.isValid(text)) return undefined;
  // An IPv4 address seen on an IPv6 socket (::ffff:10.0.0.1) is that IPv4 address.
  return ipaddr.process(text);
};

/** A TRUST_PROXY entry: an address (10.0.0.5, ::1) or a CIDR range (10.0.0.0/8, fd00::/8); undefined if neither. */
export function trustedRange(entry: string): Range | undefined {
  const [address = '', bits, ...rest] = entry.split('/');
  const parsed = parse(address);
  if (!parsed || rest.length) return undefined;
  const width = parsed.kind() === 'ipv4' ? 32 : 128;
  if (bits === undefined) return [parsed, width];
  const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  return prefix <= width ? [parsed, prefix] : undefined;
}

/** The client of a request that came from `peer` carrying `forwardedFor` (X-Forwarded-For), given the trusted proxies. */
export function clientAddressBehind(trusted: readonly string[]): (peer: string, forwardedFor?: string) => string {
  const ranges = trusted.map((entry) => trustedRange(entry)).filter((r): r is Range => r !== undefined);
  const isTrusted = (address: ipaddr.IPv4 | ipaddr.IPv6) => ranges.some(([base, bits]) => base.kind() === address.kind() && address.match(base, bits));
  return (peer, forwardedFor) => {
    if (!ranges.length) return peer;
    const hops = [...(forwardedFor ?? '').split(',').map((hop) => hop.trim()).filter(Boolean), peer];
    for (let i = hops.length - 1; i >= 0; i--) {
      const address = parse(hops[i]!);
      if (!address) return hops[i]!.slice(0, MAX_ADDRESS_LENGTH);
      if (!isTrusted(address) || i === 0) return address.toString();
    }
    return peer;
  };
}
