import { createContext, useContext } from 'react';
import { request, setCsrfToken } from './api.js';

/** What GET /auth/session answers for a signed-in browser. */
export interface SessionInfo {
  user: { id: string; login: string; displayName: string | null };
  account: { id: string; name: string; displayName: string };
  role: 'owner' | 'admin' | 'viewer';
  system: boolean;
  csrfToken: string;
}

/** The sign-in methods this control plane offers (GET /auth/providers). */
export interface Providers {
  github: boolean;
  local: { login: string; description: string }[];
}

/** The session request index.html's inline script made for a gateway page opened by URL, taken once. */
function takeEarlySession(): Promise<Response> | undefined {
  const w = globalThis as { __epicEarlyTopology?: { session?: Promise<Response> } };
  const e = w.__epicEarlyTopology;
  const session = e?.session;
  if (e) e.session = undefined;
  return session;
}

export async function fetchSession(): Promise<SessionInfo | null> {
  try {
    const s = await request<SessionInfo>('GET', '/auth/session', undefined, takeEarlySession());
    setCsrfToken(s.csrfToken);
    return s;
  } catch (e) {
    if (e instanceof Error && 'status' in e && e.status === 401) return null;
    throw e;
  }
}

export const fetchProviders = () => request<Providers>('GET', '/auth/providers');

export async function signInLocal(login: string): Promise<void> {
  await request('POST', '/auth/local', { login });
}

export async function signOut(): Promise<void> {
  await request('POST', '/auth/logout', {});
  setCsrfToken(undefined);
}

export const SessionContext = createContext<SessionInfo | null>(null);

export function useSession(): SessionInfo {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}
