import type { Db } from '../db/client.js';
import { AppError } from '../lib/errors.js';
import { copyStarterTemplates } from '../modules/accounts.js';
import type { Role } from './principal.js';

/** What a sign-in provider tells us about the person (GitHub's `GET /user`, or a seeded local user). */
export interface ExternalIdentity {
  provider: 'github' | 'local';
  providerId: string;
  login: string;
  displayName?: string | null;
  email?: string | null;
  avatarUrl?: string | null;
}

/** The seeded users of the local sign-in (offered only while no GitHub app is configured). */
export const localUsers: Record<string, { account: string; role: Role; description: string }> = {
  admin: { account: 'epic-system', role: 'owner', description: 'platform operator (account epic-system)' },
  demo: { account: 'demo', role: 'owner', description: 'owner of the demo account' },
};

function accountNameFor(login: string): string {
  const base = login
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50);
  return base || 'user';
}

/**
 * Finds the user of an external identity, or (first sign-in) creates the user, a personal account with the
 * starter templates and an owner membership. Returns the user and the account the session opens in.
 */
export async function signInIdentity(
  db: Db,
  id: ExternalIdentity,
): Promise<{ userId: string; accountId: string }> {
  return db.$transaction(async (tx) => {
    const known = await tx.identity.findUnique({
      where: { provider_providerId: { provider: id.provider, providerId: id.providerId } },
      include: { user: { include: { memberships: { orderBy: { createdAt: 'asc' } } } } },
    });
    if (known) {
      const first = known.user.memberships[0];
      if (first) return { userId: known.userId, accountId: first.accountId };
    }
    let userId = known?.userId;
    if (!userId) {
      let login = id.provider === 'github' ? id.login : `local:${id.login}`;
      for (let n = 2; await tx.user.findUnique({ where: { login } }); n++) login = `${id.login}-${n}`;
      const user = await tx.user.create({
        data: {
          login,
          displayName: id.displayName ?? null,
          email: id.email ?? null,
          avatarUrl: id.avatarUrl ?? null,
          identities: { create: { provider: id.provider, providerId: id.providerId } },
        },
      });
      userId = user.id;
    }
    if (id.provider === 'local') {
      const seeded = localUsers[id.login];
      const account = seeded && (await tx.account.findUnique({ where: { name: seeded.account } }));
      if (!seeded || !account) throw AppError.notFound('seeded account of local user', id.login);
      await tx.membership.create({ data: { accountId: account.id, userId, role: seeded.role } });
      return { userId, accountId: account.id };
    }
    const base = accountNameFor(id.login);
    let name = base;
    for (let n = 2; await tx.account.findUnique({ where: { name } }); n++) name = `${base}-${n}`;
    const account = await tx.account.create({
      data: { name, displayName: id.displayName || id.login },
    });
    await copyStarterTemplates(tx, account.id);
    await tx.membership.create({ data: { accountId: account.id, userId, role: 'owner' } });
    return { userId, accountId: account.id };
  });
}
