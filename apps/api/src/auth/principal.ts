import { AppError } from '../lib/errors.js';

export type Role = 'owner' | 'admin' | 'viewer';

/** Who is calling: resolved once per request from an API key (or, later, a session). */
export interface Principal {
  accountId: string;
  accountName: string;
  role: Role;
  /** Keys of the platform operators' account may manage accounts and global pools. */
  system: boolean;
  /** For the audit log: `apikey:<id>` or `user:<id>`. */
  actor: string;
}

const rank: Record<Role, number> = { viewer: 0, admin: 1, owner: 2 };

export function roleAtLeast(role: Role, needed: Role): boolean {
  return rank[role] >= rank[needed];
}

export function requireRole(p: Principal, needed: Role): void {
  if (!roleAtLeast(p.role, needed)) {
    throw new AppError('Forbidden', `this operation needs the ${needed} role; the caller has ${p.role}`);
  }
}

export function requireSystem(p: Principal): void {
  if (!p.system) throw new AppError('Forbidden', 'this operation is reserved to platform operators');
}

/**
 * The one tenant-scoping helper: every repository query on tenant-owned rows spreads this into its
 * `where`, so a caller can never read or change another account's objects.
 */
export function tenant(p: Principal): { accountId: string } {
  return { accountId: p.accountId };
}
