import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubeConfig,
  type KubernetesObject,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeTestServer, type KubeTestServer } from './index.js';
import { openWatch, raw, until } from './test-support/raw-request.js';
import { widgetCrd } from './test-support/widget-crd.js';

let server: KubeTestServer;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
let custom: CustomObjectsApi;
let objects: KubernetesObjectApi;
let seq = 0;

beforeAll(async () => {
  server = await startKubeTestServer({ bookmarkIntervalMs: 100 });
  kc = await server.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  objects = KubernetesObjectApi.makeApiClient(kc);
  await raw(server, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', widgetCrd);
});

afterAll(async () => {
  await server?.close();
});

/** A fresh namespace per test keeps tests independent. */
async function namespace(): Promise<string> {
  const name = `t${++seq}-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

async function failure(p: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException)
      return { code: e.code, body: typeof e.body === 'string' ? JSON.parse(e.body) : e.body };
    throw e;
  }
  throw new Error('expected the request to fail');
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

function deployment(name: string, image = 'nginx:1') {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'web', image, ports: [{ containerPort: 80 }] },
            { name: 'sidecar', image: 'envoy:1' },
          ],
        },
      },
    },
  };
}

describe('authentication', () => {
  it('rejects a wrong bearer token with a 401 Status', async () => {
    const res = await raw({ ...server, token: 'wrong' }, 'GET', '/api/v1/namespaces');
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
  });
});

describe('discovery', () => {
  it('lists the core and group versions with correct scopes', async () => {
    expect((await raw(server, 'GET', '/api')).json.versions).toEqual(['v1']);
    const groups = (await raw(server, 'GET', '/apis')).json.groups.map((g: { name: string }) => g.name);
    expect(groups).toEqual(
      expect.arrayContaining([
        'apps',
        'discovery.k8s.io',
        'policy',
        'networking.k8s.io',
        'coordination.k8s.io',
        'apiextensions.k8s.io',
        'example.com',
      ]),
    );
    const core = (await raw(server, 'GET', '/api/v1')).json.resources;
    expect(core.find((r: any) => r.name === 'namespaces').namespaced).toBe(false);
    expect(core.find((r: any) => r.name === 'nodes').namespaced).toBe(false);
    expect(core.find((r: any) => r.name === 'configmaps').namespaced).toBe(true);
    const widgets = (await raw(server, 'GET', '/apis/example.com/v1')).json.resources.map((r: any) => r.name);
    expect(widgets).toEqual(['widgets', 'widgets/status']);
  });

  it('serves every version of a CRD over the same objects', async () => {
    const crd = structuredClone(widgetCrd) as any;
    crd.metadata.name = 'dials.example.net';
    crd.spec.group = 'example.net';
    crd.spec.names = { plural: 'dials', singular: 'dial', kind: 'Dial', listKind: 'DialList' };
    crd.spec.versions = [
      { ...crd.spec.versions[0], name: 'v1' },
      { ...crd.spec.versions[0], name: 'v1beta1', storage: false },
    ];
    expect(
      (await raw(server, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status,
    ).toBe(201);
    expect((await raw(server, 'GET', '/apis/example.net')).json.preferredVersion).toEqual({
      groupVersion: 'example.net/v1',
      version: 'v1',
    });
    await raw(server, 'POST', '/apis/example.net/v1/namespaces/default/dials', {
      apiVersion: 'example.net/v1',
      kind: 'Dial',
      metadata: { name: 'd' },
      spec: { color: 'red' },
    });
    const beta = await raw(server, 'GET', '/apis/example.net/v1beta1/namespaces/default/dials/d');
    expect(beta.json).toMatchObject({
      apiVersion: 'example.net/v1beta1',
      kind: 'Dial',
      spec: { color: 'red' },
    });
  });

  it('stops serving a CRD once it is deleted', async () => {
    const crd = structuredClone(widgetCrd);
    crd.metadata.name = 'gadgets.example.org';
    crd.spec.group = 'example.org';
    crd.spec.names = {
      plural: 'gadgets',
      singular: 'gadget',
      kind: 'Gadget',
      listKind: 'GadgetList',
      shortNames: [],
    };
    expect(
      (await raw(server, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status,
    ).toBe(201);
    expect((await raw(server, 'GET', '/apis/example.org/v1')).status).toBe(200);
    await raw(
      server,
      'DELETE',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.example.org',
    );
    expect((await raw(server, 'GET', '/apis/example.org/v1')).status).toBe(404);
  });
});

describe('create, get, update', () => {
  it('fills uid, creationTimestamp and resourceVersion on create', async () => {
    const ns = await namespace();
    const cm = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'a' }, data: { k: 'v' } },
    });
    expect(cm.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(cm.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(Number(cm.metadata?.resourceVersion)).toBeGreaterThan(0);
  });

  it('answers 409 AlreadyExists when creating an existing object', async () => {
    const ns = await namespace();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } });
    const err = await failure(
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } }),
    );
    expect(err.code).toBe(409);
    expect(err.body).toMatchObject({
      reason: 'AlreadyExists',
      message: 'configmaps "a" already exists',
      details: { name: 'a', kind: 'configmaps' },
    });
  });

  it('answers 409 Conflict on an update with a stale resourceVersion', async () => {
    const ns = await namespace();
    const cm = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'a' }, data: { k: '1' } },
    });
    await core.replaceNamespacedConfigMap({ name: 'a', namespace: ns, body: { ...cm, data: { k: '2' } } });
    const err = await failure(
      core.replaceNamespacedConfigMap({ name: 'a', namespace: ns, body: { ...cm, data: { k: '3' } } }),
    );
    expect(err.code).toBe(409);
    expect(err.body.message).toBe(
      'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('accepts YAML bodies and refuses protobuf ones with 415', async () => {
    const ns = await namespace();
    const yaml = await raw(
      server,
      'POST',
      `/api/v1/namespaces/${ns}/configmaps`,
      'metadata:\n  name: y\ndata:\n  k: v\n',
      { 'Content-Type': 'application/yaml' },
    );
    expect(yaml.status).toBe(201);
    expect(yaml.json.data).toEqual({ k: 'v' });
    const proto = await raw(server, 'POST', `/api/v1/namespaces/${ns}/configmaps`, 'k8s\u0000', {
      'Content-Type': 'application/vnd.kubernetes.protobuf',
    });
    expect(proto.status).toBe(415);
  });

  it('answers 404 NotFound for a missing object and for a missing namespace', async () => {
    const err = await failure(core.readNamespacedConfigMap({ name: 'nope', namespace: 'default' }));
    expect(err.code).toBe(404);
    expect(err.body.message).toBe('configmaps "nope" not found');
    const err2 = await failure(
      core.createNamespacedConfigMap({ namespace: 'no-such-ns', body: { metadata: { name: 'a' } } }),
    );
    expect(err2.body.message).toBe('namespaces "no-such-ns" not found');
  });

  it('refuses an update of a custom resource without a resourceVersion', async () => {
    const ns = await namespace();
    const w = (await custom.createNamespacedCustomObject({
      group: 'example.com',
      version: 'v1',
      namespace: ns,
      plural: 'widgets',
      body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { color: 'red' } },
    })) as any;
    delete w.metadata.resourceVersion;
    const err = await failure(
      custom.replaceNamespacedCustomObject({
        group: 'example.com',
        version: 'v1',
        namespace: ns,
        plural: 'widgets',
        name: 'w',
        body: w,
      }),
    );
    expect(err.code).toBe(422);
    expect(err.body.message).toBe(
      'Widget.example.com "w" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
    );
  });

  it('does not bump resourceVersion on a no-op update', async () => {
    const ns = await namespace();
    const cm = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'a' }, data: { k: '1' } },
    });
    const same = await core.replaceNamespacedConfigMap({ name: 'a', namespace: ns, body: cm });
    expect(same.metadata?.resourceVersion).toBe(cm.metadata?.resourceVersion);
  });

  it('rejects an invalid object name with 422 naming metadata.name', async () => {
    const ns = await namespace();
    const err = await failure(
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'Bad_Name' } } }),
    );
    expect(err.code).toBe(422);
    expect(err.body.details.causes[0]).toMatchObject({ reason: 'FieldValueInvalid', field: 'metadata.name' });
  });
});

describe('list', () => {
  it('returns the store-wide resourceVersion and pages with limit and continue', async () => {
    const ns = await namespace();
    for (let i = 0; i < 5; i++)
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `cm-${i}` } } });
    const page1 = await core.listNamespacedConfigMap({ namespace: ns, limit: 2 });
    expect(page1.metadata?.resourceVersion).toBe(String(server.store.resourceVersion));
    expect(page1.items.map((i) => i.metadata?.name)).toEqual(['cm-0', 'cm-1']);
    expect(page1.metadata?.remainingItemCount).toBe(3);
    const page2 = await core.listNamespacedConfigMap({
      namespace: ns,
      limit: 2,
      _continue: page1.metadata?._continue,
    });
    const page3 = await core.listNamespacedConfigMap({
      namespace: ns,
      limit: 2,
      _continue: page2.metadata?._continue,
    });
    expect([...page2.items, ...page3.items].map((i) => i.metadata?.name)).toEqual(['cm-2', 'cm-3', 'cm-4']);
    expect(page3.metadata?._continue).toBeUndefined();
  });

  it('omits apiVersion and kind from built-in list items but keeps them for custom resources', async () => {
    const ns = await namespace();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } });
    await custom.createNamespacedCustomObject({
      group: 'example.com',
      version: 'v1',
      namespace: ns,
      plural: 'widgets',
      body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { color: 'red' } },
    });
    const cms = (await raw(server, 'GET', `/api/v1/namespaces/${ns}/configmaps`)).json;
    expect(cms).toMatchObject({ kind: 'ConfigMapList', apiVersion: 'v1' });
    expect(cms.items[0].kind).toBeUndefined();
    const widgets = (await raw(server, 'GET', `/apis/example.com/v1/namespaces/${ns}/widgets`)).json;
    expect(widgets.items[0]).toMatchObject({ apiVersion: 'example.com/v1', kind: 'Widget' });
  });

  it('filters by label selectors (=, ==, !=, in, notin, exists, !)', async () => {
    const ns = await namespace();
    const make = (name: string, labels: Record<string, string>) =>
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels } } });
    await make('a', { tier: 'web', env: 'prod' });
    await make('b', { tier: 'db', env: 'dev' });
    await make('c', { tier: 'cache' });
    const names = async (labelSelector: string) =>
      (await core.listNamespacedConfigMap({ namespace: ns, labelSelector })).items.map(
        (i) => i.metadata?.name,
      );
    expect(await names('tier=web')).toEqual(['a']);
    expect(await names('tier==db')).toEqual(['b']);
    expect(await names('tier!=web')).toEqual(['b', 'c']);
    expect(await names('tier in (web,db)')).toEqual(['a', 'b']);
    expect(await names('tier notin (web,db)')).toEqual(['c']);
    expect(await names('env')).toEqual(['a', 'b']);
    expect(await names('!env')).toEqual(['c']);
    expect(await names('env,tier!=db')).toEqual(['a']);
  });

  it('filters by metadata.name and metadata.namespace field selectors and refuses others', async () => {
    const ns = await namespace();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'y' } } });
    const byName = await core.listConfigMapForAllNamespaces({
      fieldSelector: `metadata.name=x,metadata.namespace=${ns}`,
    });
    expect(byName.items.map((i) => i.metadata?.name)).toEqual(['x']);
    const err = await failure(core.listNamespacedConfigMap({ namespace: ns, fieldSelector: 'data.k=v' }));
    expect(err.code).toBe(400);
    expect(err.body.message).toBe('field label not supported: data.k');
  });
});

describe('patch', () => {
  it('applies JSON merge patches and JSON patches', async () => {
    const ns = await namespace();
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'a' }, data: { a: '1', b: '2' } },
    });
    const merged = await core.patchNamespacedConfigMap(
      { name: 'a', namespace: ns, body: { data: { a: null, c: '3' } } },
      merge,
    );
    expect(merged.data).toEqual({ b: '2', c: '3' });
    const patched = await core.patchNamespacedConfigMap(
      {
        name: 'a',
        namespace: ns,
        body: [
          { op: 'replace', path: '/data/b', value: '20' },
          { op: 'add', path: '/data/d', value: '4' },
        ],
      },
      jsonPatch,
    );
    expect(patched.data).toEqual({ b: '20', c: '3', d: '4' });
  });

  it('merges containers by name in a strategic merge patch', async () => {
    const ns = await namespace();
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('web') });
    const patched = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: ns,
        body: { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } } },
      },
      strategic,
    );
    const containers = patched.spec?.template.spec?.containers ?? [];
    expect(containers.map((c) => [c.name, c.image])).toEqual([
      ['web', 'nginx:2'],
      ['sidecar', 'envoy:1'],
    ]);
    expect(containers[0]?.ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
  });

  it('refuses strategic merge patches on custom resources with 415', async () => {
    const ns = await namespace();
    await custom.createNamespacedCustomObject({
      group: 'example.com',
      version: 'v1',
      namespace: ns,
      plural: 'widgets',
      body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { color: 'red' } },
    });
    const res = await raw(
      server,
      'PATCH',
      `/apis/example.com/v1/namespaces/${ns}/widgets/w`,
      { spec: { size: 2 } },
      { 'Content-Type': 'application/strategic-merge-patch+json' },
    );
    expect(res.status).toBe(415);
    expect(res.json.reason).toBe('UnsupportedMediaType');
  });
});

describe('server-side apply', () => {
  const apply = (ns: string, body: object, manager: string, force = false) =>
    objects.patch(
      { ...(body as KubernetesObject), metadata: { ...(body as KubernetesObject).metadata, namespace: ns } },
      undefined,
      undefined,
      manager,
      force,
      PatchStrategy.ServerSideApply,
    );

  it('creates the object and records an Apply managedFields entry in FieldsV1', async () => {
    const ns = await namespace();
    const d = (await apply(ns, deployment('web'), 'team-a')) as any;
    const entry = d.metadata.managedFields.find((m: any) => m.manager === 'team-a');
    expect(entry).toMatchObject({ operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1' });
    expect(entry.fieldsV1['f:spec']['f:replicas']).toEqual({});
    expect(entry.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"web"}']['.']).toEqual(
      {},
    );
  });

  it('answers 409 naming the field and the other manager on a conflicting apply, and takes ownership with force', async () => {
    const ns = await namespace();
    await apply(ns, deployment('web'), 'team-a');
    const conflicting = deployment('web');
    conflicting.spec.replicas = 5;
    const err = await failure(apply(ns, conflicting, 'team-b'));
    expect(err.code).toBe(409);
    expect(err.body.message).toBe(
      'Apply failed with 1 conflict: conflict with "team-a" using apps/v1: .spec.replicas',
    );
    expect(err.body.details.causes).toEqual([
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "team-a" using apps/v1',
        field: '.spec.replicas',
      },
    ]);
    const forced = (await apply(ns, conflicting, 'team-b', true)) as any;
    expect(forced.spec.replicas).toBe(5);
    const a = forced.metadata.managedFields.find((m: any) => m.manager === 'team-a');
    expect(a.fieldsV1['f:spec']['f:replicas']).toBeUndefined();
  });

  it('shares ownership without conflict when the values agree', async () => {
    const ns = await namespace();
    await apply(ns, deployment('web'), 'team-a');
    const d = (await apply(ns, deployment('web'), 'team-b')) as any;
    expect(d.metadata.managedFields.map((m: any) => m.manager).sort()).toEqual(['team-a', 'team-b']);
  });

  it('removes a field its manager stops applying', async () => {
    const ns = await namespace();
    const withLabel = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', labels: { keep: 'y', drop: 'y' } },
      data: { a: '1', b: '2' },
    };
    await apply(ns, withLabel, 'mgr');
    const next = (await apply(
      ns,
      { ...withLabel, metadata: { name: 'c', labels: { keep: 'y' } }, data: { a: '1' } },
      'mgr',
    )) as any;
    expect(next.metadata.labels).toEqual({ keep: 'y' });
    expect(next.data).toEqual({ a: '1' });
  });

  it('conflicts with a field set by an update from another manager', async () => {
    const ns = await namespace();
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'c' }, data: { a: '1' } },
      fieldManager: 'editor',
    });
    const err = await failure(
      apply(
        ns,
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '2' } },
        'applier',
      ),
    );
    expect(err.body.details.causes[0]).toMatchObject({
      field: '.data.a',
      message: 'conflict with "editor" using v1',
    });
  });

  it('requires a fieldManager for apply patches', async () => {
    const ns = await namespace();
    const res = await raw(
      server,
      'PATCH',
      `/api/v1/namespaces/${ns}/configmaps/x`,
      'apiVersion: v1\nkind: ConfigMap\n',
      { 'Content-Type': 'application/apply-patch+yaml' },
    );
    expect(res.status).toBe(422);
    expect(res.json.details.causes[0].field).toBe('fieldManager');
  });
});

describe('status subresource and generation', () => {
  const widget = (name: string, spec: object) => ({
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name },
    spec,
  });

  it('bumps generation on spec changes only, and ignores status written to the main resource', async () => {
    const ns = await namespace();
    const created = (await custom.createNamespacedCustomObject({
      group: 'example.com',
      version: 'v1',
      namespace: ns,
      plural: 'widgets',
      body: { ...widget('w', { color: 'red' }), status: { phase: 'Ignored' } },
    })) as any;
    expect(created.metadata.generation).toBe(1);
    expect(created.status).toBeUndefined();
    const labelled = (await custom.patchNamespacedCustomObject(
      {
        group: 'example.com',
        version: 'v1',
        namespace: ns,
        plural: 'widgets',
        name: 'w',
        body: { metadata: { labels: { a: 'b' } }, status: { phase: 'Nope' } },
      },
      merge,
    )) as any;
    expect(labelled.metadata.generation).toBe(1);
    expect(labelled.status).toBeUndefined();
    const resized = (await custom.patchNamespacedCustomObject(
      {
        group: 'example.com',
        version: 'v1',
        namespace: ns,
        plural: 'widgets',
        name: 'w',
        body: { spec: { size: 5 } },
      },
      merge,
    )) as any;
    expect(resized.metadata.generation).toBe(2);
  });

  it('takes only status through /status, without bumping generation', async () => {
    const ns = await namespace();
    await custom.createNamespacedCustomObject({
      group: 'example.com',
      version: 'v1',
      namespace: ns,
      plural: 'widgets',
      body: widget('w', { color: 'red' }),
    });
    const s = (await custom.patchNamespacedCustomObjectStatus(
      {
        group: 'example.com',
        version: 'v1',
        namespace: ns,
        plural: 'widgets',
        name: 'w',
        body: { spec: { color: 'blue' }, status: { phase: 'Ready', observedGeneration: 1 } },
      },
      merge,
    )) as any;
    expect(s.status).toEqual({ phase: 'Ready', observedGeneration: 1 });
    expect(s.spec.color).toBe('red');
    expect(s.metadata.generation).toBe(1);
  });

  it('applies status server-side through /status with its own managedFields entry', async () => {
    const ns = await namespace();
    await custom.createNamespacedCustomObject({
      group: 'example.com',
      version: 'v1',
      namespace: ns,
      plural: 'widgets',
      body: widget('w', { color: 'red' }),
    });
    const res = await raw(
      server,
      'PATCH',
      `/apis/example.com/v1/namespaces/${ns}/widgets/w/status?fieldManager=widget-controller`,
      'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  color: blue\nstatus:\n  phase: Ready\n',
      { 'Content-Type': 'application/apply-patch+yaml' },
    );
    expect(res.status).toBe(200);
    expect(res.json.status).toEqual({ phase: 'Ready' });
    expect(res.json.spec.color).toBe('red');
    const entry = res.json.metadata.managedFields.find((m: any) => m.manager === 'widget-controller');
    expect(entry).toMatchObject({
      operation: 'Apply',
      subresource: 'status',
      fieldsV1: { 'f:status': { 'f:phase': {} } },
    });
  });

  it('bumps a Deployment generation on spec changes but not on label changes', async () => {
    const ns = await namespace();
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('d') });
    const labelled = await apps.patchNamespacedDeployment(
      { name: 'd', namespace: ns, body: { metadata: { labels: { x: 'y' } } } },
      merge,
    );
    expect(labelled.metadata?.generation).toBe(1);
    const scaled = await apps.patchNamespacedDeployment(
      { name: 'd', namespace: ns, body: { spec: { replicas: 3 } } },
      merge,
    );
    expect(scaled.metadata?.generation).toBe(2);
  });
});

describe('custom resource schema', () => {
  it('applies defaults and prunes unknown fields with a warning', async () => {
    const ns = await namespace();
    const res = await raw(server, 'POST', `/apis/example.com/v1/namespaces/${ns}/widgets`, {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
      spec: { color: 'red', bogus: 1, parts: [{ name: 'p' }], extra: { anything: { goes: true } } },
    });
    expect(res.status).toBe(201);
    expect(res.json.spec).toEqual({
      color: 'red',
      size: 3,
      parts: [{ name: 'p', count: 1 }],
      extra: { anything: { goes: true } },
    });
    expect(res.headers.warning).toBe('299 - "unknown field \\"spec.bogus\\""');
  });

  it('refuses unknown fields with fieldValidation=Strict', async () => {
    const ns = await namespace();
    const res = await raw(
      server,
      'POST',
      `/apis/example.com/v1/namespaces/${ns}/widgets?fieldValidation=Strict`,
      {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w' },
        spec: { color: 'red', bogus: 1 },
      },
    );
    expect(res.status).toBe(400);
    expect(res.json.message).toBe(
      'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.bogus"',
    );
  });

  it('rejects schema violations with 422 and one cause per field', async () => {
    const ns = await namespace();
    const err = await failure(
      custom.createNamespacedCustomObject({
        group: 'example.com',
        version: 'v1',
        namespace: ns,
        plural: 'widgets',
        body: {
          apiVersion: 'example.com/v1',
          kind: 'Widget',
          metadata: { name: 'w' },
          spec: { color: 'pink', size: 11, label: 'UPPER' },
        },
      }),
    );
    expect(err.code).toBe(422);
    expect(err.body.details.causes).toEqual([
      {
        reason: 'FieldValueNotSupported',
        message: 'Unsupported value: "pink": supported values: "red", "green", "blue"',
        field: 'spec.color',
      },
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: 11: spec.size in body should be less than or equal to 10',
        field: 'spec.size',
      },
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "UPPER": spec.label in body should match \'^[a-z]+$\'',
        field: 'spec.label',
      },
    ]);
    expect(err.body.message).toMatch(
      /^Widget\.example\.com "w" is invalid: \[spec\.color: Unsupported value/,
    );
  });
});

describe('deletion', () => {
  it('keeps an object with finalizers until the last finalizer is removed', async () => {
    const ns = await namespace();
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'f', finalizers: ['example.com/cleanup'] } },
    });
    await core.deleteNamespacedConfigMap({ name: 'f', namespace: ns });
    const pending = await core.readNamespacedConfigMap({ name: 'f', namespace: ns });
    expect(pending.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    await core.patchNamespacedConfigMap(
      { name: 'f', namespace: ns, body: { metadata: { finalizers: null } } },
      merge,
    );
    expect((await failure(core.readNamespacedConfigMap({ name: 'f', namespace: ns }))).code).toBe(404);
  });

  it('deletes a namespace with its contents, waiting for finalizers, and refuses new content meanwhile', async () => {
    const ns = await namespace();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'plain' } } });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } },
    });
    await core.deleteNamespace({ name: ns });
    const terminating = await core.readNamespace({ name: ns });
    expect(terminating.status?.phase).toBe('Terminating');
    expect((await failure(core.readNamespacedConfigMap({ name: 'plain', namespace: ns }))).code).toBe(404);
    const refused = await failure(
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'late' } } }),
    );
    expect(refused.code).toBe(403);
    expect(refused.body.message).toBe(
      `configmaps "late" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
    );
    await core.patchNamespacedSecret(
      { name: 'held', namespace: ns, body: { metadata: { finalizers: null } } },
      merge,
    );
    expect((await failure(core.readNamespace({ name: ns }))).code).toBe(404);
  });

  it('deletes a collection by label selector', async () => {
    const ns = await namespace();
    for (const [name, tier] of [
      ['a', 'web'],
      ['b', 'web'],
      ['c', 'db'],
    ]) {
      await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name, labels: { tier: tier as string } } },
      });
    }
    await core.deleteCollectionNamespacedConfigMap({ namespace: ns, labelSelector: 'tier=web' });
    expect(
      (await core.listNamespacedConfigMap({ namespace: ns })).items.map((i) => i.metadata?.name),
    ).toEqual(['c']);
  });
});

describe('watch', () => {
  it('delivers ADDED, MODIFIED and DELETED in resourceVersion order', async () => {
    const ns = await namespace();
    const w = openWatch(
      server,
      `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${server.store.resourceVersion}`,
    );
    await w.status;
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } });
    await core.patchNamespacedConfigMap({ name: 'a', namespace: ns, body: { data: { x: '1' } } }, merge);
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'b' } } });
    await core.deleteNamespacedConfigMap({ name: 'a', namespace: ns });
    await until(() => w.events.length === 4, 5000, 'four events');
    w.stop();
    expect(w.events.map((e) => `${e.type} ${(e.object.metadata as any).name}`)).toEqual([
      'ADDED a',
      'MODIFIED a',
      'ADDED b',
      'DELETED a',
    ]);
    const rvs = w.events.map((e) => Number((e.object.metadata as any).resourceVersion));
    expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
  });

  it('replays missed events when resuming from a resourceVersion', async () => {
    const ns = await namespace();
    const from = server.store.resourceVersion;
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'missed' } } });
    const w = openWatch(server, `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${from}`);
    await until(() => w.events.length === 1, 5000, 'replayed event');
    w.stop();
    expect(w.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'missed' } } });
  });

  it('resumed at the resourceVersion of an event, delivers only the events after it', async () => {
    const ns = await namespace();
    const first = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'first' } },
    });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'second' } } });
    const at = first.metadata?.resourceVersion;
    const w = openWatch(server, `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${at}`);
    await until(() => w.events.length >= 1, 5000, 'the event after the resume point');
    // Anything re-sent would arrive in the same flush as the replay; give it a moment anyway.
    await new Promise((r) => setTimeout(r, 100));
    w.stop();
    expect(w.events.map((e) => [e.type, (e.object.metadata as any).name])).toEqual([['ADDED', 'second']]);
    expect(Number((w.events[0]?.object.metadata as any).resourceVersion)).toBeGreaterThan(Number(at));
  });

  it('sends an ERROR event with a 410 Expired Status for a compacted resourceVersion', async () => {
    const ns = await namespace();
    const old = server.store.resourceVersion;
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' } } });
    server.store.compact();
    const w = openWatch(server, `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${old}`);
    await w.ended;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]?.type).toBe('ERROR');
    expect(w.events[0]?.object).toMatchObject({
      kind: 'Status',
      code: 410,
      reason: 'Expired',
      message: `too old resource version: ${old} (${server.store.resourceVersion + 1})`,
    });
    expect(server.watchCount()).toBe(0);
  });

  it('sends BOOKMARK events carrying the current resourceVersion when allowed', async () => {
    const w = openWatch(
      server,
      `/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=${server.store.resourceVersion}`,
    );
    await until(() => w.events.some((e) => e.type === 'BOOKMARK'), 3000, 'bookmark');
    w.stop();
    const bm = w.events.find((e) => e.type === 'BOOKMARK');
    expect(bm?.object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1' });
    expect(Number((bm?.object.metadata as any).resourceVersion)).toBeGreaterThan(0);
  });

  it('turns selector transitions into ADDED and DELETED', async () => {
    const ns = await namespace();
    const w = openWatch(
      server,
      `/api/v1/namespaces/${ns}/configmaps?watch=true&labelSelector=on%3Dyes&resourceVersion=${server.store.resourceVersion}`,
    );
    await w.status;
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'a', labels: { on: 'no' } } },
    });
    await core.patchNamespacedConfigMap(
      { name: 'a', namespace: ns, body: { metadata: { labels: { on: 'yes' } } } },
      merge,
    );
    await core.patchNamespacedConfigMap(
      { name: 'a', namespace: ns, body: { metadata: { labels: { on: 'no' } } } },
      merge,
    );
    await until(() => w.events.length === 2, 5000, 'two events');
    w.stop();
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
  });

  it('works through client-node Watch', async () => {
    const ns = await namespace();
    const seen: string[] = [];
    const ctl = await new Watch(kc).watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      { resourceVersion: String(server.store.resourceVersion) },
      (type, obj) => seen.push(`${type} ${obj.metadata.name}`),
      () => undefined,
    );
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'z' } } });
    await until(() => seen.length === 1, 5000, 'watch event');
    ctl.abort();
    expect(seen).toEqual(['ADDED z']);
  });
});

describe('informer', () => {
  it('resumes a dropped watch from its resourceVersion without relisting', async () => {
    const ns = await namespace();
    let lists = 0;
    const listFn = () => {
      lists++;
      return core.listNamespacedConfigMap({ namespace: ns });
    };
    const informer = makeInformer<V1ConfigMap>(kc, `/api/v1/namespaces/${ns}/configmaps`, listFn);
    const added: string[] = [];
    informer.on('add', (o) => added.push(o.metadata?.name ?? ''));
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'before' } } });
    await informer.start();
    try {
      await until(() => added.includes('before'), 5000, 'initial list');
      expect(server.faults.dropWatches()).toBeGreaterThan(0);
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after' } } });
      await until(() => added.includes('after'), 5000, 'event after the drop');
      expect(lists).toBe(1);
      expect(added).toEqual(['before', 'after']);
    } finally {
      await informer.stop();
      await until(() => server.watchCount() === 0, 5000, 'the informer to stop watching');
    }
  });

  it('relists when the history it would resume from was compacted', async () => {
    const ns = await namespace();
    let lists = 0;
    const listFn = () => {
      lists++;
      return core.listNamespacedConfigMap({ namespace: ns });
    };
    const informer = makeInformer<V1ConfigMap>(kc, `/api/v1/namespaces/${ns}/configmaps`, listFn);
    const deleted: string[] = [];
    informer.on('delete', (o) => deleted.push(o.metadata?.name ?? ''));
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'gone-soon' } } });
    await informer.start();
    try {
      await until(() => informer.list().length === 1, 5000, 'initial list');
      server.faults.pause();
      server.faults.dropWatches();
      // Changes the informer cannot see, then history compaction: resuming must fail with 410.
      await new Promise((r) => setTimeout(r, 50));
      const direct = structuredClone(server.store.get('/configmaps', ns, 'gone-soon'));
      expect(direct).toBeDefined();
      server.store.remove('/configmaps', ns, 'gone-soon');
      server.store.put('/configmaps', ns, 'fresh', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'fresh',
          namespace: ns,
          uid: 'u-fresh',
          creationTimestamp: new Date().toISOString(),
        },
      });
      server.store.compact();
      server.faults.resume();
      await until(
        () =>
          lists === 2 &&
          informer
            .list()
            .map((o) => o.metadata?.name)
            .join() === 'fresh',
        10_000,
        'relist',
      ).catch((e: Error) => {
        throw new Error(
          `${e.message}: ${lists} lists, cache [${informer.list().map((o) => o.metadata?.name)}], ${server.watchCount()} watches`,
        );
      });
      expect(deleted).toEqual(['gone-soon']);
      // It watches again from the relisted resourceVersion (and, for stop() below, has its watch in hand).
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after-relist' } } });
      await until(
        () => informer.list().some((o) => o.metadata?.name === 'after-relist'),
        10_000,
        'an event after the relist',
      );
      expect(lists).toBe(2);
    } finally {
      await informer.stop();
      await until(() => server.watchCount() === 0, 5000, 'the informer to stop watching');
    }
  });
});

describe('fault injection', () => {
  it('fails the next N requests with 429 and Retry-After, then recovers', async () => {
    server.faults.failNext(2, 429, 3);
    const first = await raw(server, 'GET', '/api/v1/namespaces');
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('3');
    expect(first.json).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 3 } });
    expect((await raw(server, 'GET', '/api/v1/namespaces')).status).toBe(429);
    expect((await raw(server, 'GET', '/api/v1/namespaces')).status).toBe(200);
  });

  it('fails a request with 500 InternalError', async () => {
    server.faults.failNext(1, 500);
    const err = await failure(core.listNamespace());
    expect(err.code).toBe(500);
    expect(err.body.reason).toBe('InternalError');
  });

  it('holds requests while paused', async () => {
    server.faults.pause();
    let done = false;
    const pending = raw(server, 'GET', '/api/v1/namespaces').then((r) => {
      done = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(done).toBe(false);
    server.faults.resume();
    expect((await pending).status).toBe(200);
  });
});
