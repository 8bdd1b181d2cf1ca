// The local provisioner of the embedded default, with a stand-in `envoy` on PATH (a Node script that does what
// the provisioner relies on: parses the bootstrap, writes its admin address, answers /ready).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciler } from '../reconciler/reconciler.js';
import { auth, createAccount, testEnv, type TestEnv } from '../test-support/harness.js';
import { requeueOn } from './index.js';
import { createLocalProvisioner, findExecutable } from './local-provisioner.js';

const log = pino({ level: 'silent' });
const FAKE_ENVOY = `#!${process.execPath}
const http = require('node:http');
const fs = require('node:fs');
const args = process.argv.slice(2);
const config = JSON.parse(args[args.indexOf('--config-yaml') + 1]);
if (!config.node || !config.node.id) { console.error('no node id'); process.exit(2); }
if (config.admin.address.socketAddress.portValue !== 0) { console.error('admin port not 0'); process.exit(2); }
fs.appendFileSync(process.env.FAKE_ENVOY_LOG, config.node.id + ' ' + process.pid + '\\n');
const server = http.createServer((req, res) => { res.statusCode = req.url === '/ready' ? 200 : 404; res.end(); });
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(args[args.indexOf('--admin-address-path') + 1], '127.0.0.1:' + server.address().port);
});
process.on('SIGTERM', () => process.exit(0));
`;

let env: TestEnv;
let key: string;
let bin: string;
let logFile: string;

beforeAll(async () => {
  env = await testEnv();
  key = (await createAccount(env, 'local', 100)).key;
  await env.app.inject({
    method: 'POST',
    url: '/api/v1/address-pools',
    headers: auth(key),
    payload: { name: 'pub', spec: '10.61.0.0/24' },
  });
  await env.app.inject({
    method: 'POST',
    url: '/api/v1/templates',
    headers: auth(key),
    payload: { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com' },
  });
  bin = mkdtempSync(join(tmpdir(), 'epic-fake-envoy-'));
  logFile = join(bin, 'starts.log');
  writeFileSync(join(bin, 'envoy'), FAKE_ENVOY);
  chmodSync(join(bin, 'envoy'), 0o755);
  writeFileSync(logFile, '');
  process.env.FAKE_ENVOY_LOG = logFile;
});
afterAll(async () => {
  await env?.close();
  rmSync(bin, { recursive: true, force: true });
});

async function gateway(name: string): Promise<string> {
  const r = await env.app.inject({
    method: 'POST',
    url: '/api/v1/gateways',
    headers: auth(key),
    payload: { name, template: 'gw', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().id;
}

async function programmed(id: string) {
  const g = await env.db.gateway.findUniqueOrThrow({ where: { id } });
  return (g.conditions as { type: string; status: string; message: string }[]).find(
    (c) => c.type === 'Programmed',
  )!;
}

const until = async (cond: () => Promise<boolean> | boolean, what: string, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

const provisioner = (path: string) =>
  createLocalProvisioner({
    log,
    envoyBinary: 'envoy',
    path,
    secretKey: randomBytes(32),
    xds: { host: '127.0.0.1', port: 18000 },
    tokenTtlSeconds: 3600,
    requeue: requeueOn(env.db),
    probeMs: 50,
    restartMs: 50,
  });

describe('local provisioner', () => {
  it('finds executables on PATH only', () => {
    expect(findExecutable('envoy', bin)).toBe(join(bin, 'envoy'));
    expect(findExecutable('envoy', '/nonexistent')).toBeUndefined();
  });

  it('without an envoy binary: records the desired proxy and says in words what is missing', async () => {
    const id = await gateway('nobin');
    const p = provisioner('/nonexistent');
    await createReconciler({
      db: env.db,
      databaseUrl: env.url,
      log,
      resyncSeconds: 3600,
      provisioner: p,
    }).drain();
    await env.db.$executeRawUnsafe(
      `UPDATE "ConfigRevision" SET status = 'acked' WHERE "gatewayId" = '${id}'`,
    );
    await requeueOn(env.db)([id]);
    await createReconciler({
      db: env.db,
      databaseUrl: env.url,
      log,
      resyncSeconds: 3600,
      provisioner: p,
    }).drain();
    const c = await programmed(id);
    expect(c.status).toBe('False');
    expect(c.message).toContain('no Envoy binary: "envoy" is not on PATH (ENVOY_BINARY)');
    const rows = await env.db.$queryRawUnsafe<{ podName: string; ready: boolean }[]>(
      `SELECT "podName", ready FROM "ProxyInstance" WHERE "gatewayId" = '${id}'`,
    );
    expect(rows).toEqual([{ podName: expect.stringMatching(/^local-envoy-default-nobin-/), ready: false }]);
    await env.app.inject({ method: 'DELETE', url: `/api/v1/gateways/${id}`, headers: auth(key) });
  });

  it('with an envoy on PATH: runs it with the bootstrap, marks it ready, restarts it when it dies, stops it on delete', async () => {
    const id = await gateway('run');
    await env.db.$executeRawUnsafe(
      `UPDATE "ConfigRevision" SET status = 'acked' WHERE "gatewayId" = '${id}'`,
    );
    const p = provisioner(bin);
    await p.start();
    const r = createReconciler({
      db: env.db,
      databaseUrl: env.url,
      log,
      resyncSeconds: 3600,
      provisioner: p,
    });
    try {
      await r.drain();
      await env.db.$executeRawUnsafe(
        `UPDATE "ConfigRevision" SET status = 'acked' WHERE "gatewayId" = '${id}'`,
      );
      await until(() => p.proxies()[0]?.ready === true, 'the proxy to be ready');
      await r.drain();
      expect(await programmed(id)).toMatchObject({ status: 'True' });
      const first = p.proxies()[0]!;
      expect(readFileSync(logFile, 'utf8')).toContain(`local.${id} ${first.pid}`);

      // Killed: the supervisor starts it again, and it becomes ready again.
      process.kill(first.pid!, 'SIGKILL');
      await until(() => {
        const now = p.proxies()[0];
        return now !== undefined && now.pid !== undefined && now.pid !== first.pid && now.ready;
      }, 'the restarted proxy');
      expect(
        readFileSync(logFile, 'utf8')
          .trim()
          .split('\n')
          .filter((l) => l.startsWith(`local.${id}`)).length,
      ).toBe(2);

      // Deleted: the process goes.
      const pid = p.proxies()[0]!.pid!;
      await env.app.inject({ method: 'DELETE', url: `/api/v1/gateways/${id}`, headers: auth(key) });
      await r.drain();
      expect(p.proxies()).toEqual([]);
      await until(() => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      }, 'the proxy process to exit');
    } finally {
      await p.stop();
    }
  });
});
