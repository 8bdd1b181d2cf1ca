import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGithubUser {
  id: number;
  login: string;
  name: string | null;
  email: string | null;
  avatar_url: string | null;
}

/**
 * A GitHub-compatible OAuth provider on loopback: `GET /login/oauth/authorize` (redirects back with a code),
 * `POST /login/oauth/access_token` (GitHub's JSON answer when asked with `accept: application/json`, and its
 * `{"error":"bad_verification_code"}` for a wrong code or secret) and `GET /api/user` (the REST payload).
 */
export async function startFakeGithub(opts: {
  clientId: string;
  clientSecret: string;
  user: FakeGithubUser;
}) {
  const codes = new Map<string, FakeGithubUser>();
  const tokens = new Map<string, FakeGithubUser>();
  let n = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      if (url.searchParams.get('client_id') !== opts.clientId) return json(404, { error: 'not found' });
      const code = `code-${++n}`;
      codes.set(code, { ...opts.user });
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const body = (
          raw.startsWith('{') ? JSON.parse(raw) : Object.fromEntries(new URLSearchParams(raw))
        ) as Record<string, string>;
        const user = codes.get(body.code ?? '');
        codes.delete(body.code ?? '');
        if (!user || body.client_id !== opts.clientId || body.client_secret !== opts.clientSecret)
          return json(200, {
            error: 'bad_verification_code',
            error_description: 'The code passed is incorrect or expired.',
          });
        const token = `gho_${++n}`;
        tokens.set(token, user);
        json(200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/user') {
      const user = tokens.get((req.headers.authorization ?? '').replace(/^(Bearer|token) /, ''));
      if (!user) return json(401, { message: 'Bad credentials' });
      return json(200, { ...user, type: 'User', site_admin: false });
    }
    json(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    github: {
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      authorizeUrl: `${base}/login/oauth/authorize`,
      tokenUrl: `${base}/login/oauth/access_token`,
      apiUrl: `${base}/api`,
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
