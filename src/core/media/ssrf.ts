import { BlockList, isIP } from "node:net";
import { lookup as dnsLookup } from "node:dns";
import type { LookupAddress, LookupOptions } from "node:dns";

/**
 * The SSRF guard for URLs users hand us. Private, loopback, link-local (cloud metadata lives there),
 * CGNAT, multicast and reserved ranges are refused unless the gateway allows them. The check runs on
 * every resolved address at connect time, so DNS rebinding cannot slip past a pre-check.
 */
export interface NetworkPolicy {
  /** Allow private and loopback addresses (tests, on-prem model servers). Default false. */
  allowPrivateNetwork?: boolean | undefined;
  /** Hostnames (exact, or `*.suffix`) exempt from the address check. */
  allowedHosts?: readonly string[] | undefined;
}

const blocked = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  blocked.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  // ::/96 holds the deprecated IPv4-compatible forms (::127.0.0.1), which some stacks still route to IPv4.
  ["::", 96],
  ["::ffff:0:0:0", 96],
  ["::1", 128],
  ["fec0::", 10],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["100::", 64],
  ["2001:db8::", 32],
  ["64:ff9b::", 96],
] as const) {
  blocked.addSubnet(net, prefix, "ipv6");
}

/** True for addresses a user-supplied URL must not reach. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, "ipv4");
  if (family === 6) {
    const lower = address.toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped) return blocked.check(mapped[1]!, "ipv4");
    const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
    if (hexMapped) {
      const hi = parseInt(hexMapped[1]!, 16);
      const lo = parseInt(hexMapped[2]!, 16);
      return blocked.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, "ipv4");
    }
    return blocked.check(address, "ipv6");
  }
  return true;
}

export function isHostAllowed(hostname: string, policy: NetworkPolicy): boolean {
  if (policy.allowPrivateNetwork) return true;
  const host = hostname.toLowerCase();
  return (policy.allowedHosts ?? []).some((h) =>
    h.startsWith("*.") ? host.endsWith(h.slice(1)) : host === h.toLowerCase(),
  );
}

export class BlockedAddressError extends Error {
  code = "ESSRF";
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for net.connect that refuses blocked addresses. */
export function guardedLookup(policy: NetworkPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      if (!isHostAllowed(hostname, policy)) {
        const bad = list.find((a) => isBlockedAddress(a.address));
        if (bad) {
          return callback(new BlockedAddressError(`${hostname} resolves to a blocked address (${bad.address})`), []);
        }
      }
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(new BlockedAddressError(`${hostname} did not resolve`), []);
      callback(null, first.address, first.family);
    });
  };
}

/** Pre-flight check of a URL whose host is an IP literal (connect-time lookup is skipped for those). */
export function checkUrl(url: URL, policy: NetworkPolicy): string | undefined {
  if (url.protocol !== "http:" && url.protocol !== "https:") return `only http(s) URLs are fetched, got ${url.protocol}`;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isHostAllowed(host, policy)) return undefined;
  if (isIP(host) && isBlockedAddress(host)) return `${host} is a private, loopback, link-local or reserved address`;
  const name = host.toLowerCase().replace(/\.+$/, "");
  if (name === "localhost" || name.endsWith(".localhost") || name.endsWith(".internal")) {
    return `${name} is a local host name`;
  }
  return undefined;
}
