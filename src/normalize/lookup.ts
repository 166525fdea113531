// Lookup tables for untrusted keys, in a module of their own with no Node import, so that code the
// console bundles for the browser (the severity table) can use them.

/**
 * A lookup table keyed by untrusted text, without a prototype: `table.constructor` or `table.__proto__`
 * would otherwise be Object's own (found by the fuzz: a RESPOND line with `"action": "constructor"`
 * made the CEF renderer throw on a function where it expected a string).
 */
export function lookup<T>(entries: Record<string, T> = {}): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}
