// The garbage collector as a controller sees it through the API: background, foreground and orphan
// propagation (DeleteOptions body or query), blockOwnerDeletion, dangling owners.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeTestServer, type KubeTestServer } from './index.js';
import { openWatch, raw, until } from './test-support/raw-request.js';
import { widgetCrd } from './test-support/widget-crd.js';

let server: KubeTestServer;
const CM = '/api/v1/namespaces/default/configmaps';
const WIDGETS = '/apis/example.com/v1/namespaces/default/widgets';

interface Owner {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  blockOwnerDeletion?: boolean;
  controller?: boolean;
}

beforeAll(async () => {
  server = await startKubeTestServer();
  expect(
    (await raw(server, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', widgetCrd)).status,
  ).toBe(201);
});

afterAll(async () => {
  await server?.close();
});

async function configMap(
  name: string,
  owners: Owner[] = [],
  finalizers: string[] = [],
): Promise<{ uid: string; ref: (block?: boolean) => Owner }> {
  const r = await raw(server, 'POST', CM, {
    metadata: {
      name,
      ...(owners.length ? { ownerReferences: owners } : {}),
      ...(finalizers.length ? { finalizers } : {}),
    },
    data: { k: 'v' },
  });
  expect(r.status, r.text).toBe(201);
  const uid = r.json.metadata.uid as string;
  return {
    uid,
    ref: (block) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name,
      uid,
      ...(block === undefined ? {} : { blockOwnerDeletion: block }),
    }),
  };
}

async function exists(name: string): Promise<boolean> {
  const r = await raw(server, 'GET', `${CM}/${name}`);
  if (r.status !== 200 && r.status !== 404) throw new Error(r.text);
  return r.status === 200;
}

async function getCm(name: string): Promise<Record<string, any>> {
  const r = await raw(server, 'GET', `${CM}/${name}`);
  expect(r.status, r.text).toBe(200);
  return r.json;
}

describe('background propagation (the default)', () => {
  it('deletes the owner at once and its dependents after it', async () => {
    const owner = await configMap('bg-owner');
    await configMap('bg-dep-1', [owner.ref()]);
    await configMap('bg-dep-2', [owner.ref(true)]);
    const del = await raw(server, 'DELETE', `${CM}/bg-owner`);
    expect(del.status).toBe(200);
    expect(await exists('bg-owner')).toBe(false);
    await server.settled();
    expect(await exists('bg-dep-1')).toBe(false);
    expect(await exists('bg-dep-2')).toBe(false);
  });

  it('collects ConfigMaps owned by a custom resource (cross-kind owner)', async () => {
    const w = await raw(server, 'POST', WIDGETS, {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'owner' },
      spec: { color: 'red' },
    });
    expect(w.status).toBe(201);
    await configMap('widget-dep', [
      {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        name: 'owner',
        uid: w.json.metadata.uid,
        controller: true,
      },
    ]);
    await server.settled();
    expect(await exists('widget-dep')).toBe(true);
    expect(
      (await raw(server, 'DELETE', `${WIDGETS}/owner`, { propagationPolicy: 'Background' })).status,
    ).toBe(200);
    await server.settled();
    expect(await exists('widget-dep')).toBe(false);
  });

  it('keeps dependents while a background owner waits for another finalizer', async () => {
    const owner = await configMap('held-owner', [], ['example.com/hold']);
    await configMap('held-dep', [owner.ref()]);
    await raw(server, 'DELETE', `${CM}/held-owner`);
    await server.settled();
    expect(await exists('held-dep')).toBe(true);
    await raw(
      server,
      'PATCH',
      `${CM}/held-owner`,
      { metadata: { finalizers: null } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    await server.settled();
    expect(await exists('held-owner')).toBe(false);
    expect(await exists('held-dep')).toBe(false);
  });
});

describe('foreground propagation', () => {
  it('marks the owner foregroundDeletion and removes it only after its blocking dependents', async () => {
    const owner = await configMap('fg-owner');
    await configMap('fg-blocking', [owner.ref(true)], ['example.com/hold']);
    await configMap('fg-loose', [owner.ref(false)]);
    const rv = (await raw(server, 'GET', CM)).json.metadata.resourceVersion as string;
    const watch = openWatch(server, `${CM}?watch=true&resourceVersion=${rv}`);
    const del = await raw(server, 'DELETE', `${CM}/fg-owner`, {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: 'Foreground',
    });
    expect(del.json.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(del.json.metadata.deletionTimestamp).toEqual(expect.any(String));
    await server.settled();
    // The loose dependent is collected too, but the owner does not wait for it.
    expect(await exists('fg-loose')).toBe(false);
    const blocking = await getCm('fg-blocking');
    expect(blocking.metadata.deletionTimestamp).toEqual(expect.any(String));
    const ownerNow = await getCm('fg-owner');
    expect(ownerNow.metadata.finalizers).toEqual(['foregroundDeletion']);
    await raw(
      server,
      'PATCH',
      `${CM}/fg-blocking`,
      { metadata: { finalizers: null } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    await server.settled();
    expect(await exists('fg-blocking')).toBe(false);
    expect(await exists('fg-owner')).toBe(false);
    await until(() => watch.events.filter((e) => e.type === 'DELETED').length >= 3);
    watch.stop();
    const deletions = watch.events
      .filter((e) => e.type === 'DELETED')
      .map((e) => (e.object.metadata as { name: string }).name);
    expect(deletions).toEqual(['fg-loose', 'fg-blocking', 'fg-owner']);
  });

  it('takes the policy from the query and deletes a chain from the leaves up', async () => {
    const top = await configMap('chain-top');
    const mid = await configMap('chain-mid', [top.ref(true)]);
    await configMap('chain-leaf', [mid.ref(true)]);
    const rv = (await raw(server, 'GET', CM)).json.metadata.resourceVersion as string;
    const watch = openWatch(server, `${CM}?watch=true&resourceVersion=${rv}`);
    const del = await raw(server, 'DELETE', `${CM}/chain-top?propagationPolicy=Foreground`);
    expect(del.json.metadata.finalizers).toEqual(['foregroundDeletion']);
    await server.settled();
    for (const n of ['chain-top', 'chain-mid', 'chain-leaf']) expect(await exists(n)).toBe(false);
    await until(() => watch.events.filter((e) => e.type === 'DELETED').length >= 3);
    watch.stop();
    const deletions = watch.events
      .filter((e) => e.type === 'DELETED')
      .map((e) => (e.object.metadata as { name: string }).name);
    expect(deletions).toEqual(['chain-leaf', 'chain-mid', 'chain-top']);
    // The middle object was itself deleted in foreground because it had dependents.
    const midMarked = watch.events.find(
      (e) =>
        e.type === 'MODIFIED' &&
        (e.object.metadata as { name: string }).name === 'chain-mid' &&
        ((e.object.metadata as { finalizers?: string[] }).finalizers ?? []).includes('foregroundDeletion'),
    );
    expect(midMarked).toBeDefined();
  });
});

describe('orphan propagation', () => {
  it('removes the owner from its dependents and keeps them (query)', async () => {
    const owner = await configMap('orphan-owner');
    const other = await configMap('orphan-other');
    await configMap('orphan-dep', [owner.ref(true), other.ref()]);
    const del = await raw(server, 'DELETE', `${CM}/orphan-owner?propagationPolicy=Orphan`);
    expect(del.json.metadata.finalizers).toEqual(['orphan']);
    await server.settled();
    expect(await exists('orphan-owner')).toBe(false);
    const dep = await getCm('orphan-dep');
    expect(dep.metadata.ownerReferences).toEqual([other.ref()]);
    expect(dep.metadata.deletionTimestamp).toBeUndefined();
  });

  it('honours propagationPolicy Orphan in the DeleteOptions body and drops emptied ownerReferences', async () => {
    const owner = await configMap('orphan-body-owner');
    await configMap('orphan-body-dep', [owner.ref()]);
    await raw(server, 'DELETE', `${CM}/orphan-body-owner`, { propagationPolicy: 'Orphan' });
    await server.settled();
    expect(await exists('orphan-body-owner')).toBe(false);
    expect((await getCm('orphan-body-dep')).metadata.ownerReferences).toBeUndefined();
  });

  it('honours the legacy orphanDependents option', async () => {
    const owner = await configMap('orphan-legacy-owner');
    await configMap('orphan-legacy-dep', [owner.ref()]);
    await raw(server, 'DELETE', `${CM}/orphan-legacy-owner`, { orphanDependents: true });
    await server.settled();
    expect(await exists('orphan-legacy-owner')).toBe(false);
    expect(await exists('orphan-legacy-dep')).toBe(true);
  });
});

describe('dangling owners', () => {
  it('collects an object whose owner has another uid or does not exist', async () => {
    await configMap('same-name-owner');
    await configMap('uid-mismatch', [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'same-name-owner',
        uid: '00000000-0000-0000-0000-000000000001',
      },
    ]);
    await configMap('no-owner', [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'never-created',
        uid: '00000000-0000-0000-0000-000000000002',
      },
    ]);
    await server.settled();
    expect(await exists('uid-mismatch')).toBe(false);
    expect(await exists('no-owner')).toBe(false);
    expect(await exists('same-name-owner')).toBe(true);
  });

  it('drops only the dangling reference when a solid owner remains', async () => {
    const solid = await configMap('solid-owner');
    await configMap('half-dangling', [
      solid.ref(),
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'gone', uid: '00000000-0000-0000-0000-000000000003' },
    ]);
    await server.settled();
    expect((await getCm('half-dangling')).metadata.ownerReferences).toEqual([solid.ref()]);
  });

  it('leaves an object alone when its owner kind is not served', async () => {
    await configMap('unknown-kind', [
      {
        apiVersion: 'example.com/v9',
        kind: 'Nothing',
        name: 'x',
        uid: '00000000-0000-0000-0000-000000000004',
      },
    ]);
    await server.settled();
    expect(await exists('unknown-kind')).toBe(true);
  });
});

describe('owners whose kind comes and goes', () => {
  const gizmoCrd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gizmos.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
  const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

  it('waits for an owner kind to be served, then collects a dependent whose owner is absent', async () => {
    await configMap('early-dep', [
      {
        apiVersion: 'example.com/v1',
        kind: 'Gizmo',
        name: 'none',
        uid: '00000000-0000-0000-0000-000000000005',
      },
    ]);
    await server.settled();
    expect(await exists('early-dep')).toBe(true);
    expect((await raw(server, 'POST', CRDS, gizmoCrd)).status).toBe(201);
    await server.settled();
    expect(await exists('early-dep')).toBe(false);
  });

  it('collects dependents of custom resources removed with their CRD', async () => {
    const g = await raw(server, 'POST', '/apis/example.com/v1/namespaces/default/gizmos', {
      apiVersion: 'example.com/v1',
      kind: 'Gizmo',
      metadata: { name: 'g1' },
    });
    expect(g.status).toBe(201);
    await configMap('gizmo-dep', [
      { apiVersion: 'example.com/v1', kind: 'Gizmo', name: 'g1', uid: g.json.metadata.uid, controller: true },
    ]);
    await server.settled();
    expect(await exists('gizmo-dep')).toBe(true);
    expect((await raw(server, 'DELETE', `${CRDS}/gizmos.example.com`)).status).toBe(200);
    await server.settled();
    expect(await exists('gizmo-dep')).toBe(false);
  });
});

describe('DeleteOptions validation', () => {
  it('refuses an unknown propagationPolicy and a policy together with orphanDependents', async () => {
    await configMap('opts');
    const bad = await raw(server, 'DELETE', `${CM}/opts`, { propagationPolicy: 'Sideways' });
    expect(bad.status).toBe(422);
    expect(bad.json.message).toBe(
      'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"',
    );
    const both = await raw(server, 'DELETE', `${CM}/opts?propagationPolicy=Orphan&orphanDependents=false`);
    expect(both.status).toBe(422);
    expect(both.json.details.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'propagationPolicy',
        message: 'Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set',
      },
    ]);
    expect(await exists('opts')).toBe(true);
  });
});

describe('without the garbage collector', () => {
  it('leaves dependents of a deleted owner in place', async () => {
    const bare = await startKubeTestServer({ garbageCollector: false });
    try {
      const owner = await raw(bare, 'POST', CM, { metadata: { name: 'o' } });
      await raw(bare, 'POST', CM, {
        metadata: {
          name: 'd',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: owner.json.metadata.uid }],
        },
      });
      await raw(bare, 'DELETE', `${CM}/o`);
      await bare.settled();
      await new Promise((r) => setTimeout(r, 50));
      expect((await raw(bare, 'GET', `${CM}/d`)).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});

describe('through @kubernetes/client-node', () => {
  it('deletes in foreground when client-node passes propagationPolicy, and the owner goes last', async () => {
    const { CoreV1Api } = await import('@kubernetes/client-node');
    const core = (await server.kubeConfig()).makeApiClient(CoreV1Api);
    const owner = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'cn-owner' } },
    });
    const ref = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'cn-owner',
      uid: owner.metadata?.uid ?? '',
      blockOwnerDeletion: true,
      controller: true,
    };
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'cn-dep', ownerReferences: [ref], finalizers: ['example.com/hold'] } },
    });
    await core.deleteNamespacedConfigMap({
      name: 'cn-owner',
      namespace: 'default',
      propagationPolicy: 'Foreground',
    });
    await server.settled();
    const held = await core.readNamespacedConfigMap({ name: 'cn-owner', namespace: 'default' });
    expect(held.metadata?.finalizers).toEqual(['foregroundDeletion']);
    await core.patchNamespacedConfigMap({
      name: 'cn-dep',
      namespace: 'default',
      body: [{ op: 'remove', path: '/metadata/finalizers' }],
    });
    await server.settled();
    expect(await exists('cn-dep')).toBe(false);
    expect(await exists('cn-owner')).toBe(false);
  });
});
