// Character escaping for the line formats (CEF, LEEF), from one table per context.
import { lookup } from '../lookup.ts';

/**
 * An escaping function for CEF and LEEF: each ASCII character in `table` becomes its replacement. Text
 * with none of them, nearly all of it, comes back as it is without being copied.
 */
export function escaper(table: Record<string, string>): (s: string) => string {
  const map = lookup(table);
  const hit = new Uint8Array(128);
  for (const c of Object.keys(table)) hit[c.charCodeAt(0)] = 1;
  return (s) => {
    let i = 0;
    while (i < s.length && hit[s.charCodeAt(i)] !== 1) i++;
    if (i === s.length) return s;
    let out = s.slice(0, i);
    for (; i < s.length; i++) {
      const c = s[i];
      out += map[c] ?? c;
    }
    return out;
  };
}
