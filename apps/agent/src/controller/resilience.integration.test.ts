// The controller under churn and failure, against the test API server and a real EPIC API (in-process, on
// its embedded PostgreSQL): 300+ HTTPRoutes created, updated and deleted at random for 60 s all end with the
// right status (none left unwritten — the most common complaint about Gateway controllers); a restart in the
// middle of a burst converges without duplicates in EPIC and removes what was deleted while it was down; EPIC
// unreachable for 30 s loses nothing.
import { startKubeTestServer, type KubeTestServer } from '@epic/kube-testserver';
import { installGatewayApiCrds, raw } from '@epic/kube-testserver/test-support';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../test-support/control-plane.js';
import {
  createEpicClass,
  eventually as waitFor,
  installGatewayClassConfigCrd,
} from '../test-support/workload.js';
import { resettingProxy, type ResettingProxy } from '../test-support/resetting-proxy.js';
import { CONTROLLER_NAME, FINALIZER, GatewayController } from './controller.js';

const GW = '/apis/gateway.networking.k8s.io/v1';
const ROUTES = `${GW}/namespaces/default/httproutes`;
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });

let cp: ControlPlane;
let server: KubeTestServer;
let proxy: ResettingProxy;
let controller: GatewayController | undefined;

async function startController(): Promise<GatewayController> {
  const c = new GatewayController({
    kubeConfig: await server.kubeConfig(),
    log,
    debounceMs: 50,
    maxDelayMs: 500,
    statusPollMs: 500,
    backoffBaseMs: 200,
    backoffMaxMs: 5_000,
  });
  await c.start();
  return c;
}

/** A request to the test API server that must succeed. */
async function kube(method: string, path: string, body?: unknown, contentType?: string): Promise<any> {
  const r = await raw(server, method, path, body, contentType ? { 'Content-Type': contentType } : {});
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${r.text}`);
  return r.json;
}

const eventually = <T>(fn: () => Promise<T>, timeoutMs = 30_000) => waitFor(fn, timeoutMs, 250);

/** Every route EPIC holds (all pages). */
async function epicRoutes(): Promise<Array<{ name: string; clientUid?: string }>> {
  const out: Array<{ name: string }> = [];
  let cursor: string | undefined;
  do {
    const page = await cp.api(`/routes?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

type Section = 'http' | 'nope';
/** What the test has made: route name → the listener its parentRef names ('nope' matches none). */
const model = new Map<string, Section>();
let serial = 0;

const routeDoc = (name: string, section: Section) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name, namespace: 'default' },
  spec: {
    parentRefs: [{ name: 'churn', sectionName: section }],
    rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/${name}` } }] }],
  },
});
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
const randomSection = (): Section => (Math.random() < 0.7 ? 'http' : 'nope');

async function createRoute(section = randomSection()): Promise<string> {
  const name = `churn-${serial++}`;
  await kube('POST', ROUTES, routeDoc(name, section));
  model.set(name, section);
  return name;
}
async function updateRoute(name: string): Promise<void> {
  const section: Section = model.get(name) === 'http' ? 'nope' : 'http';
  await kube(
    'PATCH',
    `${ROUTES}/${name}`,
    { spec: { parentRefs: [{ name: 'churn', sectionName: section }] } },
    'application/merge-patch+json',
  );
  model.set(name, section);
}
async function deleteRoute(name: string): Promise<void> {
  model.delete(name);
  await kube('DELETE', `${ROUTES}/${name}`);
}

/**
 * Random creates, updates and deletes by `concurrency` workers for `ms`, each worker at most one change per
 * `paceMs` (a name in use by one worker is not picked by another); the route count stays at `floor` or more.
 */
async function churn(
  ms: number,
  concurrency: number,
  paceMs: number,
  floor: number,
): Promise<Record<string, number>> {
  const counts = { create: 0, update: 0, delete: 0 };
  const busy = new Set<string>();
  const end = Date.now() + ms;
  const worker = async () => {
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, paceMs * Math.random() * 2));
      const free = [...model.keys()].filter((n) => !busy.has(n));
      const r = Math.random();
      if (model.size < floor || free.length === 0 || r < 0.3) {
        counts.create++;
        await createRoute();
        continue;
      }
      const name = pick(free);
      busy.add(name);
      try {
        if (r < 0.7) {
          counts.update++;
          await updateRoute(name);
        } else {
          counts.delete++;
          await deleteRoute(name);
        }
      } finally {
        busy.delete(name);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return counts;
}

/**
 * The model and the world agree: the test server holds exactly the model's routes (deleted ones are gone, so
 * their finalizer was released after EPIC dropped them), each with our status entry for its current
 * generation saying Accepted or NoMatchingParent as its sectionName requires; EPIC holds each exactly once;
 * the listener counts the attached ones.
 */
async function expectConverged(): Promise<void> {
  const list = await kube('GET', ROUTES);
  const items = list.items as any[];
  expect(items.map((r) => r.metadata.name).sort()).toEqual([...model.keys()].sort());
  const wrong: string[] = [];
  for (const r of items) {
    const ours = (r.status?.parents ?? []).filter((p: any) => p.controllerName === CONTROLLER_NAME);
    const accepted = ours[0]?.conditions?.find((c: any) => c.type === 'Accepted');
    const want = model.get(r.metadata.name) === 'http' ? ['True', 'Accepted'] : ['False', 'NoMatchingParent'];
    if (
      ours.length !== 1 ||
      accepted?.observedGeneration !== r.metadata.generation ||
      accepted?.status !== want[0] ||
      accepted?.reason !== want[1] ||
      !r.metadata.finalizers?.includes(FINALIZER)
    )
      wrong.push(`${r.metadata.name}: ${JSON.stringify({ gen: r.metadata.generation, ours })}`);
  }
  expect(wrong.slice(0, 5), `${wrong.length} routes with a wrong or missing status`).toEqual([]);
  const held = (await epicRoutes()).map((r) => r.name).sort();
  expect(held).toEqual([...model.keys()].sort());
  const gw = await kube('GET', `${GW}/namespaces/default/gateways/churn`);
  const attached = [...model.values()].filter((s) => s === 'http').length;
  expect(gw.status.listeners[0].attachedRoutes).toBe(attached);
}

beforeAll(async () => {
  cp = await startControlPlane();
  proxy = await resettingProxy(Number(new URL(cp.apiUrl).port));
  server = await startKubeTestServer();
  await installGatewayApiCrds(server);
  await installGatewayClassConfigCrd(kube);
  await createEpicClass(kube, { apiUrl: proxy.url, apiKey: cp.demoKey, clusterName: 'resilience' });
  await kube('POST', `${GW}/namespaces/default/gateways`, {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'churn' },
    spec: { gatewayClassName: 'epic', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  });
  controller = await startController();
  await eventually(async () => expect((await cp.api('/gateways')).items).toHaveLength(1));
}, 120_000);

afterAll(async () => {
  controller?.stop();
  proxy?.close();
  await server?.close();
  await cp?.close();
});

describe('the controller under churn and failure', () => {
  it('300+ routes created, updated and deleted at random for 60 s: every status converges, none unwritten', async () => {
    for (let i = 0; i < 320; i += 16) await Promise.all(Array.from({ length: 16 }, () => createRoute()));
    const writesBefore = controller!.statusWriter.writes;
    // About 8 changes a second for 60 s: on a 2-core machine shared with other suites the EPIC API writes a
    // route in tens of milliseconds, and the point is that every status converges, not the API's throughput.
    const counts = await churn(60_000, 4, 500, 300);
    expect(counts.update).toBeGreaterThan(100);
    expect(counts.delete).toBeGreaterThan(50);
    expect(model.size).toBeGreaterThanOrEqual(300);
    const endedAt = Date.now();
    await eventually(expectConverged, 120_000);
    log.info(
      {
        ...counts,
        routes: model.size,
        convergedMs: Date.now() - endedAt,
        statusWrites: controller!.statusWriter.writes - writesBefore,
      },
      'churn converged',
    );
  }, 300_000);

  it('a restart in the middle of a burst converges: no duplicates in EPIC, what was deleted while down is gone', async () => {
    const victims = [...model.keys()].slice(0, 40);
    const burst = Promise.all([
      ...Array.from({ length: 100 }, () => createRoute()),
      ...victims.slice(0, 20).map((n) => deleteRoute(n)),
    ]);
    // Stopped while the burst is being applied and reconciled.
    await new Promise((r) => setTimeout(r, 300));
    controller!.stop();
    await burst;
    // While down: more created, some deleted normally (they wait on our finalizer), some deleted for good
    // (finalizer removed by hand, as an admin forcing it would).
    for (let i = 0; i < 20; i++) await createRoute();
    for (const n of victims.slice(20, 30)) await deleteRoute(n);
    for (const n of victims.slice(30, 40)) {
      await kube(
        'PATCH',
        `${ROUTES}/${n}`,
        { metadata: { finalizers: null } },
        'application/merge-patch+json',
      );
      await deleteRoute(n);
    }
    controller = await startController();
    await eventually(expectConverged, 60_000);
    const held = await epicRoutes();
    expect(new Set(held.map((r) => r.name)).size).toBe(held.length);
  }, 180_000);

  it('EPIC unreachable for 30 s: changes made meanwhile all arrive once it is back', async () => {
    const errorsBefore = controller!.stats.apiErrors;
    proxy.down = true;
    const downAt = Date.now();
    const names = [...model.keys()];
    for (let i = 0; i < 20; i++) await createRoute();
    for (const n of names.slice(0, 20)) await updateRoute(n);
    for (const n of names.slice(20, 30)) await deleteRoute(n);
    await new Promise((r) => setTimeout(r, 30_000 - (Date.now() - downAt)));
    expect(controller!.stats.apiErrors).toBeGreaterThan(errorsBefore);
    // Nothing reached EPIC while it was unreachable (the deleted ones still wait on our finalizer).
    const deleting = await kube('GET', `${ROUTES}/${names[20]!}`);
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    proxy.down = false;
    const upAt = Date.now();
    await eventually(expectConverged, 60_000);
    log.info({ catchUpMs: Date.now() - upAt }, 'caught up after EPIC was down 30 s');
  }, 180_000);
});
