// Behaviours a controller can observe where the test server must answer exactly like kube-apiserver
// (issue 9, item 7): CEL transition rules, CRD status defaults, DELETE answers, lists, watches, validation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeTestServer, type KubeTestServer } from './index.js';
import { installGatewayApiCrds } from './test-support/gateway-api-crds.js';
import { Kubectl } from './test-support/kubectl.js';
import { openWatch, raw, until } from './test-support/raw-request.js';

let server: KubeTestServer;
let kubectl: Kubectl;

const GW = '/apis/gateway.networking.k8s.io/v1';

beforeAll(async () => {
  server = await startKubeTestServer();
  kubectl = new Kubectl(server);
  await installGatewayApiCrds(server);
});

afterAll(async () => {
  kubectl?.cleanup();
  await server?.close();
});

describe('CEL transition rules', () => {
  it('refuses a change of an immutable field (self == oldSelf) and accepts other edits', async () => {
    const manifest = (controller: string, description: string) =>
      `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: immutable\nspec:\n  controllerName: ${controller}\n  description: ${description}\n`;
    expect((await kubectl.run(['apply', '-f', '-'], manifest('example.com/a', 'one'))).code).toBe(0);
    expect((await kubectl.run(['apply', '-f', '-'], manifest('example.com/a', 'two'))).code).toBe(0);
    const changed = await kubectl.run(['apply', '-f', '-'], manifest('example.com/b', 'two'));
    expect(changed.code).not.toBe(0);
    expect(changed.stderr).toContain(
      'The GatewayClass "immutable" is invalid: spec.controllerName: Invalid value: "string": Value is immutable',
    );
    const patched = await raw(
      server,
      'PATCH',
      `${GW}/gatewayclasses/immutable`,
      { spec: { controllerName: 'example.com/c' } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    expect(patched.status).toBe(422);
    expect(patched.json.details.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.controllerName',
        message: 'Invalid value: "string": Value is immutable',
      },
    ]);
    const get = await kubectl.run([
      'get',
      'gatewayclass',
      'immutable',
      '-o',
      'jsonpath={.spec.controllerName}',
    ]);
    expect(get.stdout).toBe('example.com/a');
  });
});

describe('CRD status defaults', () => {
  it('gives a new Gateway the Pending/Unknown conditions of its CRD status default', async () => {
    const created = await raw(server, 'POST', `${GW}/namespaces/default/gateways`, {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'pending' },
      spec: { gatewayClassName: 'gc', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
      status: { conditions: [{ type: 'Programmed', status: 'True' }] },
    });
    expect(created.status).toBe(201);
    const expected = [
      {
        lastTransitionTime: '1970-01-01T00:00:00Z',
        message: 'Waiting for controller',
        reason: 'Pending',
        status: 'Unknown',
        type: 'Accepted',
      },
      {
        lastTransitionTime: '1970-01-01T00:00:00Z',
        message: 'Waiting for controller',
        reason: 'Pending',
        status: 'Unknown',
        type: 'Programmed',
      },
    ];
    expect(created.json.status).toEqual({ conditions: expected });
    const got = await kubectl.run(['get', 'gateway', 'pending', '-n', 'default', '-o', 'json']);
    expect(JSON.parse(got.stdout).status).toEqual({ conditions: expected });
  });
});

describe('DELETE answers', () => {
  const ROUTES = `${GW}/namespaces/default/httproutes`;
  const route = (name: string, finalizers: string[] = []) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, ...(finalizers.length ? { finalizers } : {}) },
    spec: {},
  });

  it('answers an immediate delete of a custom resource with a Success Status naming it', async () => {
    const created = await raw(server, 'POST', ROUTES, route('gone-now'));
    expect(created.status).toBe(201);
    const del = await raw(server, 'DELETE', `${ROUTES}/gone-now`);
    expect(del.status).toBe(200);
    expect(del.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: {
        name: 'gone-now',
        group: 'gateway.networking.k8s.io',
        kind: 'httproutes',
        uid: created.json.metadata.uid,
      },
    });
  });

  it('answers with a Status for ConfigMaps and with the object for Services (ReturnDeletedObject)', async () => {
    const cm = await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'del-cm' },
    });
    const cmDel = await raw(server, 'DELETE', '/api/v1/namespaces/default/configmaps/del-cm');
    expect(cmDel.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: 'del-cm', kind: 'configmaps', uid: cm.json.metadata.uid },
    });
    const svc = await raw(server, 'POST', '/api/v1/namespaces/default/services', {
      metadata: { name: 'del-svc' },
      spec: { ports: [{ port: 80 }] },
    });
    expect(svc.status).toBe(201);
    const svcDel = await raw(server, 'DELETE', '/api/v1/namespaces/default/services/del-svc');
    expect(svcDel.status).toBe(200);
    expect(svcDel.json.kind).toBe('Service');
    expect(svcDel.json.metadata.uid).toBe(svc.json.metadata.uid);
    expect(svcDel.json.metadata.resourceVersion).toBe(svc.json.metadata.resourceVersion);
  });

  it('answers 200 with deletionTimestamp set while finalizers hold the object, 202 only for orphanDependents=false', async () => {
    expect((await raw(server, 'POST', ROUTES, route('held', ['example.com/hold']))).status).toBe(201);
    const first = await raw(server, 'DELETE', `${ROUTES}/held`);
    expect(first.status).toBe(200);
    expect(first.json.kind).toBe('HTTPRoute');
    expect(first.json.metadata.deletionTimestamp).toEqual(expect.any(String));
    expect(first.json.metadata.deletionGracePeriodSeconds).toBe(0);
    expect(first.json.metadata.finalizers).toEqual(['example.com/hold']);
    const again = await raw(server, 'DELETE', `${ROUTES}/held`);
    expect(again.status).toBe(200);
    expect(again.json.metadata.resourceVersion).toBe(first.json.metadata.resourceVersion);
    const legacy = await raw(server, 'DELETE', `${ROUTES}/held`, { orphanDependents: false });
    expect(legacy.status).toBe(202);
  });

  it('answers a PATCH that removes the last finalizer with the object without it, then deletes it', async () => {
    expect((await raw(server, 'POST', ROUTES, route('patched-away', ['example.com/hold']))).status).toBe(201);
    const marked = await raw(server, 'DELETE', `${ROUTES}/patched-away`);
    const watch = openWatch(
      server,
      `${ROUTES}?watch=true&resourceVersion=${marked.json.metadata.resourceVersion}`,
    );
    const patched = await raw(
      server,
      'PATCH',
      `${ROUTES}/patched-away`,
      { metadata: { finalizers: null } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    expect(patched.status).toBe(200);
    expect(patched.json.metadata.finalizers).toBeUndefined();
    expect(patched.json.metadata.deletionTimestamp).toBe(marked.json.metadata.deletionTimestamp);
    expect((await raw(server, 'GET', `${ROUTES}/patched-away`)).status).toBe(404);
    await until(() => watch.events.length > 0);
    watch.stop();
    expect(watch.events.map((e) => e.type)).toEqual(['DELETED']);
  });

  it('answers a PUT that removes the last finalizer with the updated object', async () => {
    expect((await raw(server, 'POST', ROUTES, route('put-away', ['example.com/hold']))).status).toBe(201);
    const marked = await raw(server, 'DELETE', `${ROUTES}/put-away`);
    const body = structuredClone(marked.json);
    body.metadata.finalizers = [];
    const put = await raw(server, 'PUT', `${ROUTES}/put-away`, body);
    expect(put.status).toBe(200);
    expect(put.json.metadata.finalizers).toEqual([]);
    expect((await raw(server, 'GET', `${ROUTES}/put-away`)).status).toBe(404);
  });

  it('refuses to delete a terminating namespace again with 409', async () => {
    expect((await raw(server, 'POST', '/api/v1/namespaces', { metadata: { name: 'twice' } })).status).toBe(
      201,
    );
    await raw(server, 'POST', '/api/v1/namespaces/twice/configmaps', {
      metadata: { name: 'hold', finalizers: ['example.com/hold'] },
    });
    const first = await raw(server, 'DELETE', '/api/v1/namespaces/twice');
    expect(first.status).toBe(200);
    expect(first.json.status.phase).toBe('Terminating');
    const second = await raw(server, 'DELETE', '/api/v1/namespaces/twice');
    expect(second.status).toBe(409);
    expect(second.json.message).toBe(
      'Operation cannot be fulfilled on namespaces "twice": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.',
    );
    await raw(
      server,
      'PATCH',
      '/api/v1/namespaces/twice/configmaps/hold',
      { metadata: { finalizers: null } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    expect((await raw(server, 'GET', '/api/v1/namespaces/twice')).status).toBe(404);
  });
});

describe('lists: resourceVersion, resourceVersionMatch, snapshots and continue tokens', () => {
  const NS = '/api/v1/namespaces/lists';
  const names = (r: { json: { items: { metadata: { name: string } }[] } }) =>
    r.json.items.map((i) => i.metadata.name);

  beforeAll(async () => {
    expect((await raw(server, 'POST', '/api/v1/namespaces', { metadata: { name: 'lists' } })).status).toBe(
      201,
    );
  });

  it('serves Exact at that revision and NotOlderThan at the latest', async () => {
    const a = await raw(server, 'POST', `${NS}/configmaps`, { metadata: { name: 'a' }, data: { v: '1' } });
    const at = a.json.metadata.resourceVersion as string;
    await raw(
      server,
      'PATCH',
      `${NS}/configmaps/a`,
      { data: { v: '2' } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    await raw(server, 'POST', `${NS}/configmaps`, { metadata: { name: 'b' } });
    const exact = await raw(
      server,
      'GET',
      `${NS}/configmaps?resourceVersion=${at}&resourceVersionMatch=Exact`,
    );
    expect(exact.status).toBe(200);
    expect(exact.json.metadata.resourceVersion).toBe(at);
    expect(names(exact)).toEqual(['a']);
    expect(exact.json.items[0].data).toEqual({ v: '1' });
    const newer = await raw(
      server,
      'GET',
      `${NS}/configmaps?resourceVersion=${at}&resourceVersionMatch=NotOlderThan`,
    );
    expect(names(newer)).toEqual(['a', 'b']);
    expect(newer.json.items[0].data).toEqual({ v: '2' });
    expect(Number(newer.json.metadata.resourceVersion)).toBeGreaterThan(Number(at));
  });

  it('answers a resourceVersion in the future with 504 Too large resource version', async () => {
    const current = Number((await raw(server, 'GET', `${NS}/configmaps`)).json.metadata.resourceVersion);
    const r = await raw(
      server,
      'GET',
      `${NS}/configmaps?resourceVersion=${current + 1000}&resourceVersionMatch=NotOlderThan`,
    );
    expect(r.status).toBe(504);
    expect(r.json.reason).toBe('Timeout');
    expect(r.json.message).toBe(
      `Timeout: Too large resource version: ${current + 1000}, current: ${current}`,
    );
    expect(r.json.details).toEqual({
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
      retryAfterSeconds: 1,
    });
  });

  it('refuses invalid ListOptions like ValidateListOptions (422 Invalid)', async () => {
    const cases: [string, string][] = [
      [
        'resourceVersionMatch=Exact',
        'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
      ],
      [
        'resourceVersion=0&resourceVersionMatch=Exact',
        'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
      ],
      [
        'resourceVersion=1&resourceVersionMatch=Newest',
        'resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""',
      ],
    ];
    for (const [query, message] of cases) {
      const r = await raw(server, 'GET', `${NS}/configmaps?${query}`);
      expect(r.status, query).toBe(422);
      expect(r.json.message, query).toBe(`ListOptions.meta.k8s.io "" is invalid: ${message}`);
    }
    const page = await raw(server, 'GET', `${NS}/configmaps?limit=1`);
    const withContinue = await raw(
      server,
      'GET',
      `${NS}/configmaps?resourceVersion=1&resourceVersionMatch=NotOlderThan&continue=${page.json.metadata.continue}`,
    );
    expect(withContinue.status).toBe(422);
    expect(withContinue.json.details.causes).toEqual([
      {
        reason: 'FieldValueForbidden',
        field: 'resourceVersionMatch',
        message: 'Forbidden: resourceVersionMatch is forbidden when continue is provided',
      },
    ]);
  });

  it('refuses a bad limit, a bad continue token and a resourceVersion with continue (400)', async () => {
    const limit = await raw(server, 'GET', `${NS}/configmaps?limit=ten`);
    expect(limit.status).toBe(400);
    expect(limit.json.message).toBe('strconv.ParseInt: parsing "ten": invalid syntax');
    const cont = await raw(server, 'GET', `${NS}/configmaps?continue=not*base64`);
    expect(cont.status).toBe(400);
    expect(cont.json.message).toBe(
      'invalid continue token: continue key is not valid: illegal base64 data at input byte 3',
    );
    const foreign = Buffer.from(JSON.stringify({ v: 'x/v9', rv: 5, start: 'a' })).toString('base64url');
    expect((await raw(server, 'GET', `${NS}/configmaps?continue=${foreign}`)).json.message).toBe(
      'invalid continue token: continue key is not valid: server does not recognize this encoding',
    );
    const page = await raw(server, 'GET', `${NS}/configmaps?limit=1`);
    const both = await raw(
      server,
      'GET',
      `${NS}/configmaps?resourceVersion=5&continue=${page.json.metadata.continue}`,
    );
    expect(both.status).toBe(400);
    expect(both.json.message).toBe('specifying resource version is not allowed when using continue');
  });

  it('serves every page of a list from the first page’s snapshot', async () => {
    for (const n of ['p1', 'p2', 'p3'])
      await raw(server, 'POST', `${NS}/configmaps`, { metadata: { name: n } });
    const page1 = await raw(server, 'GET', `${NS}/configmaps?limit=3`);
    expect(names(page1)).toEqual(['a', 'b', 'p1']);
    await raw(server, 'DELETE', `${NS}/configmaps/p3`);
    await raw(server, 'POST', `${NS}/configmaps`, { metadata: { name: 'p4' } });
    await raw(
      server,
      'PATCH',
      `${NS}/configmaps/p2`,
      { data: { late: 'yes' } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    const page2 = await raw(
      server,
      'GET',
      `${NS}/configmaps?limit=3&continue=${page1.json.metadata.continue}`,
    );
    expect(page2.json.metadata.resourceVersion).toBe(page1.json.metadata.resourceVersion);
    expect(names(page2)).toEqual(['p2', 'p3']);
    expect(page2.json.items[0].data).toBeUndefined();
    expect(page2.json.metadata.continue).toBeUndefined();
    expect(page1.json.metadata.remainingItemCount).toBe(2);
  });

  it('expires continue tokens and Exact reads after a compaction with 410 and a token to resume', async () => {
    const s = await startKubeTestServer();
    try {
      for (const n of ['c1', 'c2', 'c3'])
        await raw(s, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: n } });
      const page1 = await raw(s, 'GET', '/api/v1/namespaces/default/configmaps?limit=1');
      await raw(s, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'c4' } });
      s.store.compact();
      const expired = await raw(
        s,
        'GET',
        `/api/v1/namespaces/default/configmaps?limit=1&continue=${page1.json.metadata.continue}`,
      );
      expect(expired.status).toBe(410);
      expect(expired.json.reason).toBe('Expired');
      expect(expired.json.message).toMatch(
        /^The provided continue parameter is too old to display a consistent/,
      );
      const resume = await raw(
        s,
        'GET',
        `/api/v1/namespaces/default/configmaps?limit=10&continue=${expired.json.metadata.continue}`,
      );
      expect(resume.status).toBe(200);
      expect(names(resume)).toEqual(['c2', 'c3', 'c4']);
      const exact = await raw(
        s,
        'GET',
        `/api/v1/namespaces/default/configmaps?resourceVersion=${page1.json.metadata.resourceVersion}&resourceVersionMatch=Exact`,
      );
      expect(exact.status).toBe(410);
      expect(exact.json.message).toBe('The resourceVersion for the provided list is too old.');
    } finally {
      await s.close();
    }
  });

  it('compacts on its own with compactionIntervalMs, keeping the last interval readable', async () => {
    const s = await startKubeTestServer({ compactionIntervalMs: 40 });
    try {
      for (const n of ['k1', 'k2'])
        await raw(s, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: n } });
      const page1 = await raw(s, 'GET', '/api/v1/namespaces/default/configmaps?limit=1');
      await raw(s, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'k3' } });
      await new Promise((r) => setTimeout(r, 150));
      const expired = await raw(
        s,
        'GET',
        `/api/v1/namespaces/default/configmaps?limit=1&continue=${page1.json.metadata.continue}`,
      );
      expect(expired.status).toBe(410);
      // Nothing written since the last tick: a fresh token survives the next compactions.
      const fresh = await raw(s, 'GET', '/api/v1/namespaces/default/configmaps?limit=1');
      await new Promise((r) => setTimeout(r, 100));
      const next = await raw(
        s,
        'GET',
        `/api/v1/namespaces/default/configmaps?limit=1&continue=${fresh.json.metadata.continue}`,
      );
      expect(next.status).toBe(200);
      expect(names(next)).toEqual(['k2']);
    } finally {
      await s.close();
    }
  });
});

describe('watches', () => {
  it('sends DELETED with the old state when an object leaves the label selector', async () => {
    const CMS = '/api/v1/namespaces/default/configmaps';
    const created = await raw(server, 'POST', CMS, {
      metadata: { name: 'leaver', labels: { tier: 'web' } },
      data: { v: 'old' },
    });
    const watch = openWatch(
      server,
      `${CMS}?watch=true&labelSelector=tier%3Dweb&resourceVersion=${created.json.metadata.resourceVersion}`,
    );
    const moved = await raw(
      server,
      'PATCH',
      `${CMS}/leaver`,
      { metadata: { labels: { tier: 'db' } }, data: { v: 'new' } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    await until(() => watch.events.length > 0);
    watch.stop();
    expect(watch.events).toHaveLength(1);
    const [event] = watch.events;
    expect(event?.type).toBe('DELETED');
    const obj = event?.object as { metadata: Record<string, unknown>; data: unknown };
    expect(obj.metadata.labels).toEqual({ tier: 'web' });
    expect(obj.data).toEqual({ v: 'old' });
    expect(obj.metadata.resourceVersion).toBe(moved.json.metadata.resourceVersion);
  });

  it('answers a watch of a custom resource from before its CRD with 410 Expired', async () => {
    const before = (await raw(server, 'GET', '/api/v1/namespaces')).json.metadata.resourceVersion as string;
    const crd = await raw(server, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    });
    expect(crd.status).toBe(201);
    const since = crd.json.metadata.resourceVersion as string;
    const old = openWatch(server, `/apis/example.com/v1/gadgets?watch=true&resourceVersion=${before}`);
    await old.ended;
    expect(old.events).toEqual([
      {
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: ${before} (${since})`,
          reason: 'Expired',
          code: 410,
        },
      },
    ]);
    const fresh = openWatch(server, `/apis/example.com/v1/gadgets?watch=true&resourceVersion=${since}`);
    await raw(server, 'POST', '/apis/example.com/v1/namespaces/default/gadgets', {
      apiVersion: 'example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'g' },
    });
    await until(() => fresh.events.length > 0);
    fresh.stop();
    expect(fresh.events.map((e) => e.type)).toEqual(['ADDED']);
  });
});

describe('built-in validation', () => {
  const SECRETS = '/api/v1/namespaces/default/secrets';
  const SERVICES = '/api/v1/namespaces/default/services';
  const CMS = '/api/v1/namespaces/default/configmaps';

  it('requires tls.crt and tls.key in a kubernetes.io/tls Secret, counting stringData', async () => {
    const bad = await raw(server, 'POST', SECRETS, {
      metadata: { name: 'tls-bad' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'Y2VydA==' },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.reason).toBe('Invalid');
    expect(bad.json.message).toBe('Secret "tls-bad" is invalid: data[tls.key]: Required value');
    expect(bad.json.details).toEqual({
      name: 'tls-bad',
      kind: 'Secret',
      causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'data[tls.key]' }],
    });
    const none = await raw(server, 'POST', SECRETS, {
      metadata: { name: 'tls-none' },
      type: 'kubernetes.io/tls',
    });
    expect(none.json.message).toBe(
      'Secret "tls-none" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]',
    );
    const good = await raw(server, 'POST', SECRETS, {
      metadata: { name: 'tls-good' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'Y2VydA==' },
      stringData: { 'tls.key': 'key', extra: 'é' },
    });
    expect(good.status, good.text).toBe(201);
    expect(good.json.data).toEqual({ 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5', extra: 'w6k=' });
    expect(good.json.stringData).toBeUndefined();
  });

  it('refuses Secret data that is not base64 with 400 like the decoder', async () => {
    const cases: [string, number][] = [
      ['bm90!', 4],
      ['abc', 0],
      ['YQ=x', 2],
      ['YQ==YQ==', 4],
    ];
    for (const [value, at] of cases) {
      const r = await raw(server, 'POST', SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'b64' },
        data: { k: value },
      });
      expect(r.status, value).toBe(400);
      expect(r.json.message, value).toBe(
        `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${at}`,
      );
    }
    const ok = await raw(server, 'POST', SECRETS, { metadata: { name: 'b64' }, data: { k: 'YWJj\nZGVm' } });
    expect(ok.status).toBe(201);
  });

  it('requires Service ports unless headless, names with several ports, and no duplicate (protocol, port)', async () => {
    const none = await raw(server, 'POST', SERVICES, { metadata: { name: 'no-ports' }, spec: {} });
    expect(none.status).toBe(422);
    expect(none.json.message).toBe('Service "no-ports" is invalid: spec.ports: Required value');
    const headless = await raw(server, 'POST', SERVICES, {
      metadata: { name: 'headless' },
      spec: { clusterIP: 'None' },
    });
    expect(headless.status).toBe(201);
    const dup = await raw(server, 'POST', SERVICES, {
      metadata: { name: 'dup' },
      spec: {
        ports: [
          { name: 'a', port: 80 },
          { name: 'b', port: 80 },
        ],
      },
    });
    expect(dup.status).toBe(422);
    expect(dup.json.details.causes).toEqual([
      {
        reason: 'FieldValueDuplicate',
        field: 'spec.ports[1]',
        message:
          'Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
      },
    ]);
    const unnamed = await raw(server, 'POST', SERVICES, {
      metadata: { name: 'unnamed' },
      spec: { ports: [{ port: 80 }, { port: 53, protocol: 'UDP', name: 'dns' }] },
    });
    expect(unnamed.json.message).toBe('Service "unnamed" is invalid: spec.ports[0].name: Required value');
    const udpAndTcp = await raw(server, 'POST', SERVICES, {
      metadata: { name: 'dns' },
      spec: {
        ports: [
          { name: 'dns-tcp', port: 53 },
          { name: 'dns-udp', port: 53, protocol: 'UDP' },
        ],
      },
    });
    expect(udpAndTcp.status).toBe(201);
  });

  it('requires ownerReference fields and allows one controller', async () => {
    const noUid = await raw(server, 'POST', CMS, {
      metadata: { name: 'owned', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x' }] },
    });
    expect(noUid.status).toBe(422);
    expect(noUid.json.message).toBe(
      'ConfigMap "owned" is invalid: metadata.ownerReferences.uid: Invalid value: "": uid must not be empty',
    );
    const twoControllers = await raw(server, 'POST', CMS, {
      metadata: {
        name: 'owned',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'a', uid: 'u-a', controller: true },
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'b', uid: 'u-b', controller: true },
        ],
      },
    });
    expect(twoControllers.status).toBe(422);
    const causes = twoControllers.json.details.causes as { field: string; message: string }[];
    expect(causes).toHaveLength(1);
    expect(causes[0]?.field).toBe('metadata.ownerReferences');
    expect(causes[0]?.message).toMatch(
      /^Invalid value: \[\]v1\.OwnerReference\{.*\}: Only one reference can have Controller set to true\. Found "true" in references for ConfigMap\/a and ConfigMap\/b$/,
    );
  });

  it('keeps a Secret type and the content of immutable Secrets and ConfigMaps', async () => {
    const merge = { 'Content-Type': 'application/merge-patch+json' };
    await raw(server, 'POST', SECRETS, { metadata: { name: 'typed' }, type: 'example.com/custom' });
    const retype = await raw(server, 'PATCH', `${SECRETS}/typed`, { type: 'Opaque' }, merge);
    expect(retype.status).toBe(422);
    expect(retype.json.message).toBe(
      'Secret "typed" is invalid: type: Invalid value: "Opaque": field is immutable',
    );
    await raw(server, 'POST', CMS, { metadata: { name: 'frozen' }, data: { a: '1' }, immutable: true });
    const edit = await raw(server, 'PATCH', `${CMS}/frozen`, { data: { a: '2' } }, merge);
    expect(edit.status).toBe(422);
    expect(edit.json.details.causes).toEqual([
      {
        reason: 'FieldValueForbidden',
        field: 'data',
        message: 'Forbidden: field is immutable when `immutable` is set',
      },
    ]);
    const thaw = await raw(server, 'PATCH', `${CMS}/frozen`, { immutable: false }, merge);
    expect(thaw.json.details.causes[0].field).toBe('immutable');
    const label = await raw(server, 'PATCH', `${CMS}/frozen`, { metadata: { labels: { ok: 'yes' } } }, merge);
    expect(label.status).toBe(200);
  });

  it('names the offending key in data[<key>]', async () => {
    const r = await raw(server, 'POST', CMS, { metadata: { name: 'bad-key' }, data: { 'a b': 'x' } });
    expect(r.status).toBe(422);
    expect(r.json.details.causes[0].field).toBe('data[a b]');
  });
});
