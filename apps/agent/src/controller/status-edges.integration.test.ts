// Route status edge cases, end to end: kubectl → the test API server → the controller → a real EPIC API →
// status.parents back on the route. The reasons are the Gateway API spec's (computed by the shared translator
// on the EPIC side, copied by the controller); each case also checks observedGeneration.
import { startKubeTestServer, type KubeTestServer } from '@epic/kube-testserver';
import { installGatewayApiCrds, Kubectl } from '@epic/kube-testserver/test-support';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startApiProcess, type ApiProcess } from '../../../api/src/test-support/api-process.js';
import { epicClassObjects, eventually as waitFor, gatewayClassConfigCrd } from '../test-support/workload.js';
import { CONTROLLER_NAME, GatewayController } from './controller.js';

const GROUP = 'gateway.networking.k8s.io';

let server: KubeTestServer;
let kubectl: Kubectl;
let api: ApiProcess;
let dataDir: string;
let controller: GatewayController | undefined;
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });

async function apply(doc: unknown): Promise<void> {
  const r = await kubectl.run(['apply', '-f', '-'], JSON.stringify(doc));
  expect(r.stderr, r.stderr).toBe('');
}

async function get(kind: string, name: string, ns = 'default'): Promise<any> {
  const r = await kubectl.run(['get', kind, name, '-n', ns, '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

/** Retries an assertion until it holds (the controller and EPIC converge asynchronously). */
const eventually = <T>(fn: () => Promise<T>, timeoutMs = 20_000) => waitFor(fn, timeoutMs);

const service = (name: string, namespace = 'default') => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
});

type ParentRef = { name: string; sectionName?: string; port?: number };
const httpRoute = (
  name: string,
  opts: { parentRefs?: ParentRef[]; hostnames?: string[]; backendRefs?: unknown[] } = {},
) => ({
  apiVersion: `${GROUP}/v1`,
  kind: 'HTTPRoute',
  metadata: { name, namespace: 'default' },
  spec: {
    parentRefs: opts.parentRefs ?? [{ name: 'edges' }],
    ...(opts.hostnames ? { hostnames: opts.hostnames } : {}),
    rules: [{ backendRefs: opts.backendRefs ?? [{ name: 'app', port: 80 }] }],
  },
});

/** Our controller's status.parents entry for the route, once it is there. */
async function ourParent(name: string, kind = 'httproute'): Promise<{ route: any; parent: any }> {
  return eventually(async () => {
    const route = await get(kind, name);
    const ours = (route.status?.parents ?? []).filter((p: any) => p.controllerName === CONTROLLER_NAME);
    expect(ours).toHaveLength(1);
    return { route, parent: ours[0] };
  });
}

const cond = (parent: { conditions: any[] }, type: string) =>
  parent.conditions.find((c: { type: string }) => c.type === type);

/** Waits until our entry for the route has these Accepted and ResolvedRefs conditions (exact reason and generation). */
async function expectParent(
  name: string,
  accepted: { status: string; reason: string },
  resolvedRefs: { status: string; reason: string },
  generation: number,
): Promise<any> {
  return eventually(async () => {
    const { route, parent } = await ourParent(name);
    expect(route.metadata.generation).toBe(generation);
    expect(cond(parent, 'Accepted')).toMatchObject({ ...accepted, observedGeneration: generation });
    expect(cond(parent, 'ResolvedRefs')).toMatchObject({ ...resolvedRefs, observedGeneration: generation });
    return parent;
  });
}

const ACCEPTED = { status: 'True', reason: 'Accepted' };
const RESOLVED = { status: 'True', reason: 'ResolvedRefs' };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'feat-status-edges-'));
  const port = await freePort();
  api = startApiProcess({
    PORT: String(port),
    EPIC_DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(await freePort()),
    XDS_PORT: String(await freePort()),
    SEED_DEMO: 'true',
    LOG_LEVEL: 'warn',
  });
  server = await startKubeTestServer({ kubeconfigPath: true });
  kubectl = new Kubectl(server);
  await installGatewayApiCrds(server);
  const r = await kubectl.run(['apply', '--server-side', '-f', gatewayClassConfigCrd]);
  expect(r.stderr).toBe('');
  await api.ready(port);
  const demoKey = /Demo account key:\s+(\S+)/.exec(api.output())![1]!;
  controller = new GatewayController({
    kubeConfig: await server.kubeConfig(),
    log,
    debounceMs: 50,
    maxDelayMs: 500,
    statusPollMs: 200,
    backoffBaseMs: 100,
    backoffMaxMs: 1_000,
    revalidateMs: 300,
  });
  await controller.start();

  for (const o of Object.values(
    epicClassObjects({ apiUrl: `http://127.0.0.1:${port}`, apiKey: demoKey, clusterName: 'feat-edges' }),
  ))
    await apply(o);
  await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'backends' } });
  await apply(service('app'));
  await apply(service('remote', 'backends'));
  // Two listeners: a hostname-restricted HTTP one on 80 and a catch-all HTTP one on 8080.
  await apply({
    apiVersion: `${GROUP}/v1`,
    kind: 'Gateway',
    metadata: { name: 'edges', namespace: 'default' },
    spec: {
      gatewayClassName: 'epic',
      listeners: [
        { name: 'shop', port: 80, protocol: 'HTTP', hostname: 'shop.example.com' },
        { name: 'any', port: 8080, protocol: 'HTTP' },
      ],
    },
  });
  await eventually(async () => {
    const gw = await get('gateway', 'edges');
    expect(gw.status.conditions.find((c: any) => c.type === 'Accepted')).toMatchObject({
      status: 'True',
      observedGeneration: 1,
    });
  }, 60_000);
}, 120_000);

afterAll(async () => {
  controller?.stop();
  if (api && api.child.exitCode === null) {
    api.child.kill('SIGTERM');
    await api.exited;
  }
  kubectl?.cleanup();
  await server?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('route status edge cases', () => {
  it('a route hostname that no listener hostname intersects is Accepted=False NoMatchingListenerHostname', async () => {
    // sectionName pins the route to the shop.example.com listener; the catch-all one would otherwise accept it.
    await apply(
      httpRoute('wrong-host', {
        parentRefs: [{ name: 'edges', sectionName: 'shop' }],
        hostnames: ['other.example.com'],
      }),
    );
    const parent = await expectParent(
      'wrong-host',
      { status: 'False', reason: 'NoMatchingListenerHostname' },
      RESOLVED,
      1,
    );
    expect(parent.parentRef).toMatchObject({
      group: GROUP,
      kind: 'Gateway',
      name: 'edges',
      sectionName: 'shop',
    });

    // A hostname under the listener's: accepted, at the new generation.
    await apply(
      httpRoute('wrong-host', {
        parentRefs: [{ name: 'edges', sectionName: 'shop' }],
        hostnames: ['shop.example.com'],
      }),
    );
    await expectParent('wrong-host', ACCEPTED, RESOLVED, 2);
  });

  it('a cross-namespace backendRef is ResolvedRefs=False RefNotPermitted until a ReferenceGrant allows it', async () => {
    // Grants in the backend's namespace for another kind and from another namespace: they do not count.
    await apply({
      apiVersion: `${GROUP}/v1beta1`,
      kind: 'ReferenceGrant',
      metadata: { name: 'grpc-only', namespace: 'backends' },
      spec: {
        from: [{ group: GROUP, kind: 'GRPCRoute', namespace: 'default' }],
        to: [{ group: '', kind: 'Service' }],
      },
    });
    await apply({
      apiVersion: `${GROUP}/v1beta1`,
      kind: 'ReferenceGrant',
      metadata: { name: 'from-elsewhere', namespace: 'backends' },
      spec: {
        from: [{ group: GROUP, kind: 'HTTPRoute', namespace: 'elsewhere' }],
        to: [{ group: '', kind: 'Service' }],
      },
    });
    await apply(
      httpRoute('cross', {
        parentRefs: [{ name: 'edges', sectionName: 'any' }],
        backendRefs: [{ name: 'remote', namespace: 'backends', port: 80 }],
      }),
    );
    // Not permitted is a ResolvedRefs problem only: the route is still accepted by its parent.
    const denied = await expectParent('cross', ACCEPTED, { status: 'False', reason: 'RefNotPermitted' }, 1);
    expect(cond(denied, 'ResolvedRefs').message).toMatch(/backends\/remote/);

    // The grant in the backend's namespace: resolved, with no edit to the route (generation stays 1).
    await apply({
      apiVersion: `${GROUP}/v1beta1`,
      kind: 'ReferenceGrant',
      metadata: { name: 'http-from-default', namespace: 'backends' },
      spec: {
        from: [{ group: GROUP, kind: 'HTTPRoute', namespace: 'default' }],
        to: [{ group: '', kind: 'Service', name: 'remote' }],
      },
    });
    await expectParent('cross', ACCEPTED, RESOLVED, 1);

    // And withdrawn again when the grant goes.
    const d = await kubectl.run(['delete', 'referencegrant', 'http-from-default', '-n', 'backends']);
    expect(d.code, d.stderr).toBe(0);
    await expectParent('cross', ACCEPTED, { status: 'False', reason: 'RefNotPermitted' }, 1);
  });

  it('a backendRef of an unknown kind is ResolvedRefs=False InvalidKind', async () => {
    await apply(
      httpRoute('odd-kind', {
        parentRefs: [{ name: 'edges', sectionName: 'any' }],
        backendRefs: [{ group: 'example.com', kind: 'Bucket', name: 'assets', port: 80 }],
      }),
    );
    const parent = await expectParent('odd-kind', ACCEPTED, { status: 'False', reason: 'InvalidKind' }, 1);
    expect(cond(parent, 'ResolvedRefs').message).toMatch(/example\.com\/Bucket/);
  });

  it('a parentRef port that matches no listener is Accepted=False NoMatchingParent', async () => {
    await apply(httpRoute('wrong-port', { parentRefs: [{ name: 'edges', port: 9999 }] }));
    const parent = await expectParent(
      'wrong-port',
      { status: 'False', reason: 'NoMatchingParent' },
      RESOLVED,
      1,
    );
    expect(parent.parentRef).toMatchObject({ name: 'edges', port: 9999 });
    // A sectionName and a port that each match a listener, but not the same one.
    await apply(
      httpRoute('wrong-port', { parentRefs: [{ name: 'edges', sectionName: 'shop', port: 8080 }] }),
    );
    await expectParent('wrong-port', { status: 'False', reason: 'NoMatchingParent' }, RESOLVED, 2);
    await apply(httpRoute('wrong-port', { parentRefs: [{ name: 'edges', port: 8080 }] }));
    await expectParent('wrong-port', ACCEPTED, RESOLVED, 3);
  });

  it('a sectionName that names no listener is Accepted=False NoMatchingParent', async () => {
    await apply(httpRoute('wrong-section', { parentRefs: [{ name: 'edges', sectionName: 'nope' }] }));
    const parent = await expectParent(
      'wrong-section',
      { status: 'False', reason: 'NoMatchingParent' },
      RESOLVED,
      1,
    );
    expect(parent.parentRef).toMatchObject({ name: 'edges', sectionName: 'nope' });
  });

  it('only the routes accepted by a listener count in its attachedRoutes', async () => {
    // Accepted on "shop": wrong-host (now). On "any": cross, odd-kind (ResolvedRefs does not detach) and
    // wrong-port (port 8080). wrong-section attaches nowhere.
    await eventually(async () => {
      const gw = await get('gateway', 'edges');
      const attached = Object.fromEntries(
        gw.status.listeners.map((l: { name: string; attachedRoutes: number }) => [l.name, l.attachedRoutes]),
      );
      expect(attached).toEqual({ shop: 1, any: 3 });
    });
  });
});
