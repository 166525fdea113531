// Which syslog senders are trusted for which instance. A syslog line is only as trustworthy as the
// address it came from: its hostname and content are whatever the sender wrote. So a line updates an
// instance's detections (the ones its pollers store too) only when its source address is bound to that
// instance in the config (`syslog.instances`: an address or a CIDR → instance). Any other line is kept
// under an instance of its own, `syslog:<hostname>` (or `syslog:<address>` without a hostname), so it
// can never become a new version of a polled detection: a forged "acknowledged" stays a separate record.
import { BlockList, isIP } from 'node:net';

export const UNTRUSTED_PREFIX = 'syslog:';

/** An address (`10.0.0.5`, `fd00::5`) or a CIDR (`10.0.1.0/24`); undefined when it is neither. */
export function parseSource(
  key: string,
): { address: string; prefix?: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address, bits, ...rest] = key.trim().split('/');
  const v = isIP(address);
  if (!v || rest.length) return undefined;
  const family = v === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) return { address, family };
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > (v === 4 ? 32 : 128)) return undefined;
  return { address, prefix: Number(bits), family };
}

/** `::ffff:10.0.0.5` (an IPv4 sender on a dual-stack socket) is 10.0.0.5. */
export const plainAddress = (a: string) =>
  a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;

/** A hostname as part of an instance name: printable, without the key's `/` separator. */
const cleanHost = (h: string) => h.replace(/[^A-Za-z0-9._:-]/g, '_').slice(0, 255);

/** Untrusted lines' instance: `syslog:<hostname>`, else `syslog:<address>`. */
export const untrustedInstance = (host: string | undefined, address: string) =>
  `${UNTRUSTED_PREFIX}${cleanHost(host || plainAddress(address))}`;

/** Address → the instance it is trusted for, from `syslog.instances` (exact addresses win over CIDRs). */
export function trustMap(instances: Record<string, string>): (address: string) => string | undefined {
  const exact = new Map<string, string>();
  const ranges: { instance: string; list: BlockList }[] = [];
  for (const [key, instance] of Object.entries(instances)) {
    const s = parseSource(key);
    if (!s) continue; // refused by the config's validation; ignored by a direct caller
    if (s.prefix === undefined) exact.set(plainAddress(s.address), instance);
    else {
      const list = new BlockList();
      list.addSubnet(s.address, s.prefix, s.family);
      ranges.push({ instance, list });
    }
  }
  const cache = new Map<string, string | undefined>();
  return (raw) => {
    const address = plainAddress(raw);
    if (cache.has(address)) return cache.get(address);
    let found = exact.get(address);
    if (found === undefined) {
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      found = ranges.find((r) => r.list.check(address, family))?.instance;
    }
    if (cache.size > 10_000) cache.clear();
    cache.set(address, found);
    return found;
  };
}
