import { randomBytes, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type EpicApp } from '../app.js';
import type { Db } from '../db/client.js';
import { seedSystem } from '../seed.js';
import { subscriptionGuardOf } from '../http/subscription-auth.js';
import { startFakeGithub } from '../test-support/fake-github.js';
import { auth, freshDatabase } from '../test-support/harness.js';

type Fake = Awaited<ReturnType<typeof startFakeGithub>>;

function cookieOf(setCookie: string | string[] | undefined, name: string): string | undefined {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return all.find((c) => c.startsWith(`${name}=`));
}
const valueOf = (c: string) => c.split(';')[0]!;

describe('Service Manager sessions', () => {
  let db: Db;
  let app: EpicApp;
  let noLocal: EpicApp;
  let fake: Fake;
  let demoKey: string;

  beforeAll(async () => {
    ({ db } = await freshDatabase());
    ({ demoKey } = (await seedSystem(db, { demo: true })) as { demoKey: string });
    fake = await startFakeGithub({
      clientId: 'Iv1.test',
      clientSecret: 'shh',
      user: { id: 4242, login: 'Octo-Cat', name: 'Octo Cat', email: 'octo@example.com', avatar_url: null },
    });
    const secretKey = randomBytes(32);
    app = await buildApp({
      db,
      secretKey,
      webAuth: { localSignIn: true, sessionTtlSeconds: 3600, github: fake.github },
    });
    noLocal = await buildApp({ db, secretKey, webAuth: { localSignIn: false, sessionTtlSeconds: 3600 } });
    await app.ready();
    await noLocal.ready();
  });
  afterAll(async () => {
    await app?.close();
    await noLocal?.close();
    await fake?.close();
    await db?.$disconnect();
  });

  async function signInLocal(login: string) {
    const r = await app.inject({ method: 'POST', url: '/auth/local', payload: { login } });
    expect(r.statusCode, r.body).toBe(200);
    const c = cookieOf(r.headers['set-cookie'], 'epic_session')!;
    const session = await app.inject({ url: '/auth/session', headers: { cookie: valueOf(c) } });
    return {
      setCookie: c,
      cookie: valueOf(c),
      session: session.json() as { csrfToken: string; account: { name: string } },
    };
  }

  it('the local sign-in sets a signed, httpOnly, SameSite cookie that opens the seeded account', async () => {
    const { setCookie, session } = await signInLocal('demo');
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(session.account.name).toBe('demo');
  });

  it('reads with the cookie, and refuses a mutation without the CSRF token', async () => {
    const { cookie, session } = await signInLocal('demo');
    const list = await app.inject({ url: '/api/v1/gateways', headers: { cookie } });
    expect(list.statusCode).toBe(200);
    const without = await app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: { cookie },
      payload: { name: 'x' },
    });
    expect(without.statusCode).toBe(403);
    expect(without.json().message).toMatch(/CSRF/);
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: { cookie, 'x-csrf-token': 'nope' },
      payload: { name: 'x' },
    });
    expect(wrong.statusCode).toBe(403);
    const gql = await app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { cookie },
      payload: { query: '{ whoami { accountName } }' },
    });
    expect(gql.statusCode).toBe(403);
    const withToken = await app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: { cookie, 'x-csrf-token': session.csrfToken },
      payload: { name: 'from the browser' },
    });
    expect(withToken.statusCode).toBe(201);
  });

  it('keeps API keys working beside sessions', async () => {
    const r = await app.inject({ url: '/api/v1/whoami', headers: auth(demoKey) });
    expect(r.json().accountName).toBe('demo');
  });

  it('refuses a tampered cookie', async () => {
    const { cookie } = await signInLocal('admin');
    const tampered = cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await app.inject({ url: '/auth/session', headers: { cookie: tampered } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/v1/whoami', headers: { cookie: tampered } })).statusCode).toBe(401);
  });

  it('sign-out revokes the session, and another session can be revoked by id', async () => {
    const a = await signInLocal('admin');
    const b = await signInLocal('admin');
    const list = await app.inject({ url: '/auth/sessions', headers: { cookie: a.cookie } });
    const other = (list.json().items as { id: string; current: boolean }[]).find((s) => !s.current)!;
    expect(other).toBeDefined();
    const revokeNoCsrf = await app.inject({
      method: 'DELETE',
      url: `/auth/sessions/${other.id}`,
      headers: { cookie: a.cookie },
    });
    expect(revokeNoCsrf.statusCode).toBe(403);
    const out = await app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { cookie: a.cookie, 'x-csrf-token': a.session.csrfToken },
      payload: {},
    });
    expect(out.statusCode).toBe(200);
    expect((await app.inject({ url: '/auth/session', headers: { cookie: a.cookie } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/auth/session', headers: { cookie: b.cookie } })).statusCode).toBe(200);
  });

  it('offers no local sign-in when it is off', async () => {
    expect((await noLocal.inject({ url: '/auth/providers' })).json()).toEqual({ github: false, local: [] });
    const r = await noLocal.inject({ method: 'POST', url: '/auth/local', payload: { login: 'demo' } });
    expect(r.statusCode).toBe(403);
  });

  async function githubSignIn() {
    const start = await app.inject({ url: '/auth/github', headers: { host: 'epic.test' } });
    expect(start.statusCode).toBe(302);
    const state = valueOf(cookieOf(start.headers['set-cookie'], 'epic_oauth_state')!);
    // The browser follows the redirect to the provider, which sends it back with a code.
    const atProvider = await fetch(start.headers.location as string, { redirect: 'manual' });
    const back = new URL(atProvider.headers.get('location')!);
    expect(back.pathname).toBe('/auth/github/callback');
    const cb = await app.inject({
      url: `${back.pathname}${back.search}`,
      headers: { host: 'epic.test', cookie: state },
    });
    expect(cb.statusCode, cb.body).toBe(302);
    const cookie = valueOf(cookieOf(cb.headers['set-cookie'], 'epic_session')!);
    return (await app.inject({ url: '/auth/session', headers: { cookie } })).json() as {
      user: { id: string; login: string };
      account: { id: string; name: string };
      role: string;
    };
  }

  it('the first GitHub sign-in creates the user, a personal account and its starter templates; the next finds them', async () => {
    const first = await githubSignIn();
    expect(first.user.login).toBe('Octo-Cat');
    expect(first.account.name).toBe('octo-cat');
    expect(first.role).toBe('owner');
    const templates = await db.template.findMany({ where: { accountId: first.account.id } });
    expect(templates.map((t) => t.name)).toEqual(['default']);
    const again = await githubSignIn();
    expect(again.user.id).toBe(first.user.id);
    expect(again.account.id).toBe(first.account.id);
    expect(await db.identity.count({ where: { provider: 'github', providerId: '4242' } })).toBe(1);
  });

  it('refuses a callback whose state does not match the browser', async () => {
    const start = await app.inject({ url: '/auth/github', headers: { host: 'epic.test' } });
    const atProvider = await fetch(start.headers.location as string, { redirect: 'manual' });
    const back = new URL(atProvider.headers.get('location')!);
    const cb = await app.inject({
      url: `${back.pathname}${back.search}`,
      headers: { host: 'epic.test', cookie: 'epic_oauth_state=someone-elses' },
    });
    expect(cb.statusCode).toBe(403);
    expect(cookieOf(cb.headers['set-cookie'], 'epic_session')).toBeUndefined();
  });
  it('a GraphQL subscription opens with the session cookie from its own origin only', async () => {
    const base = (await app.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws');
    const { cookie } = await signInLocal('demo');
    const host = new URL(base).host;
    // The first answer to a subscription on a gateway that does not exist: NotFound once the caller is known,
    // Unauthorized when it is not.
    const firstError = (headers: Record<string, string>) =>
      new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(`${base}/graphql`, 'graphql-transport-ws', { headers });
        ws.on('error', reject);
        ws.on('open', () => {
          ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
          ws.send(
            JSON.stringify({
              id: '1',
              type: 'subscribe',
              payload: {
                query: 'subscription ($id: ID!) { gatewayStatusChanged(gatewayId: $id) { id } }',
                variables: { id: randomUUID() },
              },
            }),
          );
        });
        ws.on('message', (data) => {
          const m = JSON.parse(String(data)) as { type: string; payload?: { message?: string }[] };
          if (m.type !== 'error') return;
          ws.close();
          resolve(m.payload?.[0]?.message ?? JSON.stringify(m.payload));
        });
      });
    expect(await firstError({ cookie, origin: `http://${host}` })).toMatch(/not found/);
    expect(await firstError({ cookie, origin: 'http://evil.example' })).toMatch(/missing or invalid API key/);
    expect(await firstError({ cookie })).toMatch(/missing or invalid API key/);
    expect(await firstError({ origin: `http://${host}` })).toMatch(/missing or invalid API key/);
  });
  it("a session's subscriptions stop holding once it is signed out", async () => {
    const { cookie, session } = await signInLocal('demo');
    const list = await app.inject({ url: '/auth/sessions', headers: { cookie } });
    const id = (list.json().items as { id: string; current: boolean }[]).find((s) => s.current)!.id;
    const guard = subscriptionGuardOf(app, db);
    const principal = {
      accountId: randomUUID(),
      accountName: 'demo',
      role: 'owner' as const,
      system: false,
      actor: 'user:x',
      session: { id },
    };
    expect(await guard.stillValid(principal)).toBe(true);
    const out = await app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { cookie, 'x-csrf-token': session.csrfToken },
      payload: {},
    });
    expect(out.statusCode).toBe(200);
    expect(await guard.stillValid(principal)).toBe(false);
  });
});
