// Pieces shared by the mappers: devices, content hash, key.
import { createHash } from 'node:crypto';
import type { DeviceInfo, Observables } from '../model.ts';
import { add, arr, cleanIp, cleanMac, int, isIp, obj, splitSaas, str, toMillis } from '../util.ts';

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
  // Only real addresses: an appliance writes "NO MAC ADDRESS IN DARKTRACE" where it knows none.
  const mac = cleanMac(d.macaddress) ?? cleanMac(d.mac);
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

/**
 * Content hash over the fields that can change; `parts` are joined with a unit separator. It only
 * has to tell two versions of the same key apart, so a fast 64-bit non-cryptographic hash (two
 * independent FNV-1a lanes) is enough, and it is several times cheaper than node:crypto per call.
 */
export function contentHash(parts: unknown[]): string {
  let s = '';
  for (const p of parts) s += `${p === undefined ? '' : typeof p === 'object' ? JSON.stringify(p) : p}\x1f`;
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return hex32(h1) + hex32(h2);
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** 8 lower-case hex digits; a table per byte is cheaper than toString(16) + padStart per hash. */
function hex32(h: number): string {
  return HEX[(h >>> 24) & 255] + HEX[(h >>> 16) & 255] + HEX[(h >>> 8) & 255] + HEX[h & 255];
}

/** Identity of a record that carries none: a hash of the whole record. */
export function recordId(raw: unknown): string {
  return `h:${createHash('sha1').update(JSON.stringify(raw)).digest('hex').slice(0, 24)}`;
}

export interface Ctx {
  instance: string;
}
