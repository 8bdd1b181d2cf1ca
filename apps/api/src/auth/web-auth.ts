import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/client.js';
import { AppError } from '../lib/errors.js';
import {
  cookieHeader,
  csrfMatches,
  readCookie,
  SESSION_COOKIE,
  sessionStore,
  type SessionPrincipal,
} from './sessions.js';
import { localUsers, signInIdentity } from './users.js';

/** A GitHub OAuth app; the endpoints are configurable so tests (and GitHub Enterprise) can point elsewhere. */
export interface GithubOAuth {
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  /** Base of the REST API (`GET {apiUrl}/user`). */
  apiUrl: string;
  /** The callback registered with the app; default: this server's /auth/github/callback. */
  callbackUrl?: string;
}

export interface WebAuthOptions {
  github?: GithubOAuth;
  /** The local sign-in for the seeded users; on when no GitHub app is configured. */
  localSignIn: boolean;
  sessionTtlSeconds: number;
}

const STATE_COOKIE = 'epic_oauth_state';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

const isSecure = (req: FastifyRequest) => req.protocol === 'https';

export function webAuth(db: Db, secretKey: Buffer, opts: WebAuthOptions) {
  const sessions = sessionStore(db, secretKey, opts.sessionTtlSeconds);

  /**
   * The principal of the request's session cookie. A mutation (anything but GET/HEAD/OPTIONS) made with the
   * cookie must carry the session's CSRF token in `x-csrf-token`, or it is refused.
   */
  async function principalOf(req: FastifyRequest): Promise<SessionPrincipal | undefined> {
    const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (!cookie) return undefined;
    const p = await sessions.authenticate(cookie);
    if (p && !SAFE.has(req.method) && !csrfMatches(p.session.csrfToken, req.headers['x-csrf-token']))
      throw new AppError(
        'Forbidden',
        "missing or wrong CSRF token: send the session's token in x-csrf-token",
      );
    return p;
  }

  async function startSession(
    req: FastifyRequest,
    reply: FastifyReply,
    userId: string,
    accountId: string,
    provider: string,
  ) {
    const s = await sessions.create(userId, accountId, provider);
    void reply.header(
      'set-cookie',
      cookieHeader(SESSION_COOKIE, s.cookie, {
        maxAgeSeconds: opts.sessionTtlSeconds,
        secure: isSecure(req),
      }),
    );
    return s.row;
  }

  async function requireSession(req: FastifyRequest): Promise<SessionPrincipal> {
    const p = await principalOf(req);
    if (!p) throw new AppError('Unauthorized', 'not signed in');
    return p;
  }

  function register(app: FastifyInstance): void {
    app.get('/auth/providers', async () => ({
      github: Boolean(opts.github),
      local: opts.localSignIn
        ? Object.entries(localUsers).map(([login, u]) => ({ login, description: u.description }))
        : [],
    }));

    app.get('/auth/session', async (req, reply) => {
      void reply.header('cache-control', 'no-store');
      const p = await requireSession(req);
      return {
        user: { id: p.session.userId, login: p.session.login, displayName: p.session.displayName },
        account: { id: p.accountId, name: p.accountName, displayName: p.session.accountDisplayName },
        role: p.role,
        system: p.system,
        provider: p.session.provider,
        csrfToken: p.session.csrfToken,
        expiresAt: p.session.expiresAt.toISOString(),
      };
    });

    app.post('/auth/local', async (req, reply) => {
      if (!opts.localSignIn)
        throw new AppError('Forbidden', 'local sign-in is off: this control plane signs in with GitHub');
      const login = (req.body as { login?: unknown } | undefined)?.login;
      if (typeof login !== 'string' || !localUsers[login])
        throw AppError.validation([
          { path: 'login', message: `must be one of ${Object.keys(localUsers).join(', ')}` },
        ]);
      const { userId, accountId } = await signInIdentity(db, {
        provider: 'local',
        providerId: login,
        login,
        displayName: localUsers[login]!.description,
      });
      await startSession(req, reply, userId, accountId, 'local');
      return { signedIn: true };
    });

    app.post('/auth/logout', async (req, reply) => {
      const p = await requireSession(req);
      await sessions.revoke(p.session.userId, p.session.id);
      void reply.header(
        'set-cookie',
        cookieHeader(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure: isSecure(req) }),
      );
      return { signedOut: true };
    });

    app.get('/auth/sessions', async (req) => {
      const p = await requireSession(req);
      const items = await sessions.list(p.session.userId);
      return { items: items.map((s) => ({ ...s, current: s.id === p.session.id })) };
    });

    app.delete<{ Params: { id: string } }>('/auth/sessions/:id', async (req) => {
      const p = await requireSession(req);
      if (!(await sessions.revoke(p.session.userId, req.params.id)))
        throw AppError.notFound('session', req.params.id);
      return { revoked: true };
    });

    const gh = opts.github;
    if (!gh) return;
    const callbackOf = (req: FastifyRequest) =>
      gh.callbackUrl ?? `${req.protocol}://${req.host}/auth/github/callback`;

    // The OAuth code flow: a random state in a short-lived cookie, checked on the way back.
    app.get('/auth/github', async (req, reply) => {
      const state = randomBytes(24).toString('base64url');
      const url = new URL(gh.authorizeUrl);
      url.searchParams.set('client_id', gh.clientId);
      url.searchParams.set('redirect_uri', callbackOf(req));
      url.searchParams.set('scope', 'read:user user:email');
      url.searchParams.set('state', state);
      void reply.header(
        'set-cookie',
        cookieHeader(STATE_COOKIE, state, {
          maxAgeSeconds: 600,
          secure: isSecure(req),
          path: '/auth/github',
        }),
      );
      return reply.redirect(url.toString(), 302);
    });

    app.get<{ Querystring: { code?: string; state?: string; error?: string } }>(
      '/auth/github/callback',
      async (req, reply) => {
        const expected = readCookie(req.headers.cookie, STATE_COOKIE);
        const { code, state, error } = req.query;
        void reply.header(
          'set-cookie',
          cookieHeader(STATE_COOKIE, '', { maxAgeSeconds: 0, secure: isSecure(req), path: '/auth/github' }),
        );
        if (error) throw new AppError('Unauthorized', `GitHub refused the sign-in: ${error}`);
        if (!expected || !state || !csrfMatches(expected, state))
          throw new AppError(
            'Forbidden',
            'the OAuth state does not match this browser: start the sign-in again',
          );
        if (!code) throw AppError.validation([{ path: 'code', message: 'missing' }]);
        const tokenRes = await fetch(gh.tokenUrl, {
          method: 'POST',
          headers: { accept: 'application/json', 'content-type': 'application/json' },
          body: JSON.stringify({
            client_id: gh.clientId,
            client_secret: gh.clientSecret,
            code,
            redirect_uri: callbackOf(req),
          }),
          signal: AbortSignal.timeout(10_000),
        });
        const token = (await tokenRes.json().catch(() => ({}))) as { access_token?: string; error?: string };
        if (!tokenRes.ok || !token.access_token)
          throw new AppError(
            'Unauthorized',
            `GitHub did not issue a token: ${token.error ?? tokenRes.status}`,
          );
        const userRes = await fetch(`${gh.apiUrl.replace(/\/$/, '')}/user`, {
          headers: {
            accept: 'application/vnd.github+json',
            authorization: `Bearer ${token.access_token}`,
            'user-agent': 'epic-gateway-service-manager',
          },
          signal: AbortSignal.timeout(10_000),
        });
        const u = (await userRes.json().catch(() => ({}))) as {
          id?: number;
          login?: string;
          name?: string | null;
          email?: string | null;
          avatar_url?: string | null;
        };
        if (!userRes.ok || typeof u.id !== 'number' || typeof u.login !== 'string')
          throw new AppError('Unauthorized', `GitHub did not return the user (HTTP ${userRes.status})`);
        const { userId, accountId } = await signInIdentity(db, {
          provider: 'github',
          providerId: String(u.id),
          login: u.login,
          displayName: u.name ?? null,
          email: u.email ?? null,
          avatarUrl: u.avatar_url ?? null,
        });
        await startSession(req, reply, userId, accountId, 'github');
        return reply.redirect('/', 302);
      },
    );
  }

  return { principalOf, register, sessions };
}

export type WebAuth = ReturnType<typeof webAuth>;
