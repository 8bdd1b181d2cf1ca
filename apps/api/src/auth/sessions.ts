import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/client.js';
import type { Principal, Role } from './principal.js';

/**
 * Browser sessions of the Service Manager. The cookie is `<id>.<secret>.<mac>`: the id finds the row, only the
 * secret's SHA-256 is stored, and the HMAC (under the control plane's secret key) rejects a forged or altered
 * cookie before the database is asked. A session is revocable (revokedAt) and expires; its CSRF token must come
 * back in `x-csrf-token` on every mutation made with the cookie.
 */
export const SESSION_COOKIE = 'epic_session';

export interface SessionRow {
  id: string;
  userId: string;
  accountId: string;
  csrfToken: string;
  provider: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

export interface SessionPrincipal extends Principal {
  session: SessionRow & { login: string; displayName: string | null; accountDisplayName: string };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function sessionStore(db: Db, secretKey: Buffer, ttlSeconds: number) {
  const macKey = createHmac('sha256', secretKey).update('epic session cookie v1').digest();
  const mac = (v: string) => createHmac('sha256', macKey).update(v).digest('base64url');

  function encode(id: string, secret: string): string {
    return `${id}.${secret}.${mac(`${id}.${secret}`)}`;
  }

  /** The id and secret of a well-formed cookie whose MAC holds; undefined otherwise. */
  function decode(cookie: string | undefined): { id: string; secret: string } | undefined {
    const m = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/.exec(cookie ?? '');
    if (!m) return undefined;
    const want = Buffer.from(mac(`${m[1]}.${m[2]}`));
    const got = Buffer.from(m[3]!);
    return want.length === got.length && timingSafeEqual(want, got)
      ? { id: m[1]!, secret: m[2]! }
      : undefined;
  }

  return {
    ttlSeconds,
    async create(
      userId: string,
      accountId: string,
      provider: string,
    ): Promise<{ cookie: string; row: SessionRow }> {
      const id = randomUUID();
      const secret = randomBytes(32).toString('base64url');
      const row = await db.session.create({
        data: {
          id,
          userId,
          accountId,
          provider,
          hash: sha256(secret),
          csrfToken: randomBytes(24).toString('base64url'),
          expiresAt: new Date(Date.now() + ttlSeconds * 1000),
        },
        select: {
          id: true,
          userId: true,
          accountId: true,
          csrfToken: true,
          provider: true,
          createdAt: true,
          lastSeenAt: true,
          expiresAt: true,
        },
      });
      return { cookie: encode(id, secret), row };
    },

    /** The principal of a live session cookie (role from the user's membership now), or undefined. */
    async authenticate(cookie: string | undefined): Promise<SessionPrincipal | undefined> {
      const parts = decode(cookie);
      if (!parts) return undefined;
      const r = await db.$pool.query<
        SessionRow & {
          hash: string;
          role: Role;
          name: string;
          system: boolean;
          login: string;
          displayName: string | null;
          accountDisplayName: string;
        }
      >(
        `UPDATE "Session" s SET "lastSeenAt" = now()
         FROM "Membership" m, "Account" a, "User" u
         WHERE s.id = $1::uuid AND s."revokedAt" IS NULL AND s."expiresAt" > now()
           AND m."userId" = s."userId" AND m."accountId" = s."accountId"
           AND a.id = s."accountId" AND u.id = s."userId"
         RETURNING s.id, s."userId", s."accountId", s."csrfToken", s.provider, s."createdAt", s."lastSeenAt",
           s."expiresAt", s.hash, m.role, a.name, a.system, u.login, u."displayName",
           a."displayName" AS "accountDisplayName"`,
        [parts.id],
      );
      const s = r.rows[0];
      if (!s) return undefined;
      const a = Buffer.from(sha256(parts.secret), 'hex');
      const b = Buffer.from(s.hash, 'hex');
      if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined;
      return {
        accountId: s.accountId,
        accountName: s.name,
        role: s.role,
        system: s.system,
        actor: `user:${s.userId}`,
        session: {
          id: s.id,
          userId: s.userId,
          accountId: s.accountId,
          csrfToken: s.csrfToken,
          provider: s.provider,
          createdAt: s.createdAt,
          lastSeenAt: s.lastSeenAt,
          expiresAt: s.expiresAt,
          login: s.login,
          displayName: s.displayName,
          accountDisplayName: s.accountDisplayName,
        },
      };
    },

    /** Revokes one of the user's sessions; false when it is not theirs or already revoked. */
    async revoke(userId: string, id: string): Promise<boolean> {
      const r = await db.session.updateMany({
        where: { id, userId, revokedAt: null },
        data: { revokedAt: new Date() },
      });
      return r.count === 1;
    },

    /** The user's live sessions, newest first. */
    async list(userId: string) {
      return db.session.findMany({
        where: { userId, revokedAt: null, expiresAt: { gt: new Date() } },
        select: { id: true, provider: true, createdAt: true, lastSeenAt: true, expiresAt: true },
        orderBy: { createdAt: 'desc' },
      });
    },
  };
}

export type SessionStore = ReturnType<typeof sessionStore>;

/** `name=value` pairs of a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

export function csrfMatches(expected: string, given: string | string[] | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function cookieHeader(
  name: string,
  value: string,
  opts: { maxAgeSeconds: number; secure: boolean; path?: string },
): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${opts.path ?? '/'}`,
    `Max-Age=${opts.maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(opts.secure ? ['Secure'] : []),
  ].join('; ');
}
