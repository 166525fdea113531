// Who may call a route: every route declares `config.access`, and a route registered without one stops
// the server from starting (so a new route cannot ship unguarded). Roles are cumulative: each one may
// do what the ones before it may.
import type { FastifyInstance } from 'fastify';
import type { Role } from '../auth/roles.ts';

export { ROLES, type Role, roleAtLeast } from '../auth/roles.ts';
/** `public`: anyone who reaches the API (health for load balancers, the login form). */
export type Access = 'public' | Role;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}

export interface RouteEntry {
  method: string;
  url: string;
  access: Access;
  hasResponseSchema: boolean;
}

/** Records every route with its access rule; throws at registration for a route that has none. */
export function routeTable(app: FastifyInstance): RouteEntry[] {
  const table: RouteEntry[] = [];
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat().filter((m) => m !== 'HEAD');
    if (!methods.length) return;
    const access = (route.config as { access?: Access } | undefined)?.access;
    if (!access) throw new Error(`route ${methods.join(',')} ${route.url} declares no config.access`);
    for (const method of methods)
      table.push({ method, url: route.url, access, hasResponseSchema: !!route.schema?.response });
  });
  return table;
}
