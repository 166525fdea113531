// The roles, weakest first; each may do what the ones before it may. A grant gives one of them to a
// user or an API key within a tenant (`*` until tenants exist).
//   viewer     read detections, instances, sinks, the catalog and the audit trail
//   analyst    + acknowledge, comment, tag, and the read-only commands that ask the appliance
//   responder  + RESPOND actions, PCAPs: every command
//   admin      + instances, sinks, users and API keys
export const ROLES = ['viewer', 'analyst', 'responder', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);

export const roleAtLeast = (have: Role, need: Role) => ROLES.indexOf(have) >= ROLES.indexOf(need);
