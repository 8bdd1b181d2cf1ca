// `npm start`'s processes (scripts/start-children.mjs: the API on its embedded PostgreSQL, and the local
// workload cluster with the controller attached), then exactly the README's first section with real kubectl:
// apply k8s/examples/web.yaml with the written kubeconfig, and `kubectl get gateway` shows EPIC's address and
// Programmed as it truly is (no proxy runs, so not True).
import type { KubeTestServer } from '@epic/kube-testserver';
import { Kubectl } from '@epic/kube-testserver/test-support';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../api/src/test-support/api-process.js';
// @ts-expect-error -- a plain ES module script without types
import { startChildren } from '../../../../scripts/start-children.mjs';

interface Run {
  children: Array<import('node:child_process').ChildProcess>;
  files: { keyFile: string; kubeconfig: string };
  apiUrl: string;
  stopped: Promise<void>;
  kill(sig?: string): void;
}

const example = fileURLToPath(new URL('../../../../k8s/examples/web.yaml', import.meta.url));
let dataDir: string;
let run: Run;
let out = '';
let kubectl: Kubectl;

async function eventually<T>(fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${String(e)}\n--- output of npm start:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function apiKeyOk(key: string): Promise<boolean> {
  const r = await fetch(`${run.apiUrl}/api/v1/whoami`, { headers: { authorization: `Bearer ${key}` } });
  return r.ok;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'epic-npm-start-'));
  run = startChildren(
    {
      ...process.env,
      EPIC_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      XDS_PORT: String(await freePort()),
      SEED_DEMO: 'true',
      LOG_LEVEL: 'warn',
    },
    ['ignore', 'pipe', 'pipe'],
  ) as Run;
  for (const c of run.children) {
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  }
  await eventually(async () => expect(existsSync(run.files.kubeconfig)).toBe(true), 150_000);
  kubectl = new Kubectl({ kubeconfigPath: run.files.kubeconfig } as KubeTestServer);
});

afterAll(async () => {
  run?.kill('SIGTERM');
  await run?.stopped;
  kubectl?.cleanup();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const cond = (o: { status?: { conditions?: Array<{ type: string }> } }, type: string) =>
  o.status?.conditions?.find((c) => c.type === type);

describe('npm start runs a local workload cluster with the controller attached', () => {
  it('writes the kubeconfig and a key file (mode 0600) under the data directory; GatewayClass epic is Accepted', async () => {
    expect(run.files.kubeconfig.startsWith(dataDir)).toBe(true);
    expect(statSync(run.files.kubeconfig).mode & 0o777).toBe(0o600);
    expect(statSync(run.files.keyFile).mode & 0o777).toBe(0o600);
    const gc = await eventually(async () => {
      const r = await kubectl.run(['get', 'gatewayclass', 'epic', '-o', 'json']);
      const gc = JSON.parse(r.stdout);
      expect(cond(gc, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
      return gc;
    });
    expect(gc.spec.parametersRef).toMatchObject({
      kind: 'GatewayClassConfig',
      namespace: 'epic-gateway-system',
    });
    const secret = JSON.parse(
      (await kubectl.run(['get', 'secret', 'epic-api-key', '-n', 'epic-gateway-system', '-o', 'json']))
        .stdout,
    );
    const key = Buffer.from(secret.data['api-key'], 'base64').toString();
    expect(await apiKeyOk(key)).toBe(true);
  });

  it("the README's kubectl apply -f of the example: kubectl get gateway shows EPIC's address and Programmed not True", async () => {
    const a = await kubectl.run(['apply', '-f', example]);
    expect(a.stderr).toBe('');
    expect(a.stdout).toMatch(/gateway\.gateway\.networking\.k8s\.io\/web created/);
    const gw = await eventually(async () => {
      const gw = JSON.parse((await kubectl.run(['get', 'gateway', 'web', '-o', 'json'])).stdout);
      expect(cond(gw, 'Accepted')).toMatchObject({ status: 'True', observedGeneration: 1 });
      expect(gw.status.listeners?.[0]?.attachedRoutes).toBe(1);
      return gw;
    });
    const address = gw.status.addresses[0].value as string;
    expect(address).toMatch(/^192\.0\.2\.\d+$/);
    // Nothing serves the gateway's revision in the embedded default: Programmed says it waits for proxies.
    expect(cond(gw, 'Programmed')).toMatchObject({
      status: 'Unknown',
      reason: 'Pending',
      message: expect.stringMatching(/waiting for its proxies to acknowledge it/),
    });
    const table = await kubectl.run(['get', 'gateway']);
    expect(table.stderr).toBe('');
    const [header, row] = table.stdout.trim().split('\n');
    expect(header!.split(/\s+/)).toEqual(['NAME', 'CLASS', 'ADDRESS', 'PROGRAMMED', 'AGE']);
    // The first address only, as kube-apiserver prints a CRD column.
    expect(row!.split(/\s+/).slice(0, 4)).toEqual(['web', 'epic', address, 'Unknown']);
    const route = await eventually(async () => {
      const r = JSON.parse((await kubectl.run(['get', 'httproute', 'web', '-o', 'json'])).stdout);
      expect(r.status?.parents?.[0]).toBeDefined();
      return r;
    });
    expect(route.status.parents[0].conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Accepted', status: 'True' }),
        expect.objectContaining({ type: 'ResolvedRefs', status: 'True' }),
      ]),
    );
  });
});
