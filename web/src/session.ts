// Who is signed in (GET /api/auth/me), and what their role allows the console to show.
import { useQuery } from '@tanstack/react-query';
import { createContext, useContext } from 'react';
import { isRole, type Role, roleAtLeast } from '../../src/auth/roles.ts';
import { api, setCsrfToken } from './api/client.ts';
import type { Me } from './api/types.ts';

export async function fetchMe(): Promise<Me> {
  const me = await api<Me>('/api/auth/me');
  setCsrfToken(me.csrfToken);
  return me;
}

export function useMe() {
  return useQuery({ queryKey: ['me'], queryFn: fetchMe, staleTime: 60_000, retry: false });
}

/** Whether a role may do what `need` may (roles are cumulative: viewer < analyst < responder < admin). */
export function can(role: string | undefined, need: Role): boolean {
  return !!role && isRole(role) && roleAtLeast(role, need);
}

export const MeContext = createContext<Me | undefined>(undefined);
export const useSignedIn = () => useContext(MeContext)!;
