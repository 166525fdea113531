// Pieces shared by the mappers: devices, content hash, key.
import { createHash } from 'node:crypto';
import type { DeviceInfo, Observables } from '../model.ts';
import { add, arr, cleanIp, int, isIp, obj, splitSaas, str, toMillis } from '../util.ts';

/** A Darktrace device object (breach `device`, AIA `breachDevices[]`, a `details` device value). */
export function mapDevice(v: unknown, obs?: Observables): DeviceInfo | undefined {
  const d = obj(v);
  if (!d) return undefined;
  const dev: DeviceInfo = { ips: [], tags: [] };
  const did = int(d.did);
  if (did !== undefined) dev.id = did;
  const sid = int(d.sid);
  if (sid !== undefined) dev.subnetId = sid;
  add(dev.ips, cleanIp(d.ip));
  add(dev.ips, cleanIp(d.ip6));
  for (const e of arr(d.ips)) add(dev.ips, cleanIp(obj(e)?.ip));
  const host = str(d.hostname);
  if (host !== undefined) {
    // Elastic's rule: a hostname that is an address is an address.
    const asIp = cleanIp(host);
    if (asIp) add(dev.ips, asIp);
    else dev.hostname = host;
    const saas = splitSaas(host);
    if (saas) {
      dev.saas = saas;
      if (obs && saas.user) add(obs.users, saas.user);
    }
  }
  const ident = str(d.identifier);
  const label = str(d.devicelabel) ?? str(d.label);
  if (label !== undefined) dev.label = label;
  const name = label ?? ident;
  if (name !== undefined && name !== dev.hostname && !isIp(name)) dev.name = name;
  if (dev.hostname === undefined && ident !== undefined && !isIp(ident)) {
    dev.hostname = ident;
    const saas = splitSaas(ident);
    if (saas) {
      dev.saas = saas;
      if (obs && saas.user) add(obs.users, saas.user);
    }
  }
  const mac = str(d.macaddress) ?? str(d.mac);
  if (mac !== undefined) dev.mac = mac;
  const vendor = str(d.vendor);
  if (vendor !== undefined) dev.vendor = vendor;
  const type = str(d.typename);
  if (type !== undefined) dev.type = type;
  const typeLabel = str(d.typelabel);
  if (typeLabel !== undefined) dev.typeLabel = typeLabel;
  const os = str(d.os);
  if (os !== undefined) dev.os = os;
  const subnet = str(d.subnet);
  if (subnet !== undefined && typeof d.subnet === 'string') dev.subnet = subnet;
  for (const t of arr(d.tags)) add(dev.tags, typeof t === 'string' ? t : str(obj(t)?.name));
  const fs = toMillis(d.firstSeen);
  if (fs !== undefined) dev.firstSeen = fs;
  const ls = toMillis(d.lastSeen);
  if (ls !== undefined) dev.lastSeen = ls;
  if (dev.id === undefined && dev.ips.length === 0 && dev.hostname === undefined && dev.name === undefined)
    return undefined;
  return dev;
}

/** Content hash over the fields that can change; `parts` are joined with a unit separator. */
export function contentHash(parts: unknown[]): string {
  let s = '';
  for (const p of parts) s += `${p === undefined ? '' : typeof p === 'object' ? JSON.stringify(p) : p}\x1f`;
  return createHash('sha1').update(s).digest('hex');
}

/** Identity of a record that carries none: a hash of the whole record. */
export function recordId(raw: unknown): string {
  return `h:${createHash('sha1').update(JSON.stringify(raw)).digest('hex').slice(0, 24)}`;
}

export interface Ctx {
  instance: string;
}
