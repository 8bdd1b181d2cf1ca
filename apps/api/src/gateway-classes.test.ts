import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { supportedFeatures } from '@epic/gateway-translator';
import { CONTROLLER_NAME } from './reconciler/reconcile-gateway.js';
import {
  auditTrail,
  auth,
  createAccount,
  rest,
  testEnv,
  type RestArgs,
  type TestEnv,
} from './test-support/harness.js';

// GatewayClasses on the EPIC side: which template a class builds gateways from, Accepted with the
// generation it observed, and the features its gateways support.

let env: TestEnv;
let key: string;
const call = (...[method, url, payload]: [RestArgs[0], string, unknown?]) =>
  rest(env, method, url, key, payload);
const templateRef = (name: string) => ({ group: 'epic-gateway.io', kind: 'Template', name });
const accepted = (body: Record<string, unknown>) =>
  (body['status'] as { conditions: { type: string }[] }).conditions.find((c) => c.type === 'Accepted');

beforeAll(async () => {
  env = await testEnv();
  key = (await createAccount(env, 'gw-classes')).key;
  await call('POST', '/address-pools', { name: 'pub', spec: '10.83.0.0/28' });
  await call('POST', '/templates', {
    name: 'web',
    poolName: 'pub',
    dnsNameTemplate: '{gateway}.example.com',
  });
});
afterAll(() => env?.close());

describe('GatewayClasses (REST)', () => {
  it('accepts a class of this controller whose template exists, and lists its supported features', async () => {
    const r = await call('PUT', '/gateway-classes', {
      name: 'epic',
      spec: { controllerName: CONTROLLER_NAME, parametersRef: templateRef('web'), description: 'web' },
    });
    expect(r.status, r.raw).toBe(201);
    expect(r.body).toMatchObject({ name: 'epic', generation: 1, clientUid: 'api:none:GatewayClass:epic' });
    expect(accepted(r.body)).toMatchObject({
      status: 'True',
      reason: 'Accepted',
      observedGeneration: 1,
      message: expect.stringContaining('"web"'),
    });
    expect(r.body['status'].supportedFeatures).toEqual(supportedFeatures.map((name) => ({ name })));
    // One list: what a class reports is what GET /features answers (which controllers copy).
    const features = await call('GET', '/features');
    expect(features.status, features.raw).toBe(200);
    expect(r.body['status'].supportedFeatures).toEqual(
      (features.body['supportedFeatures'] as string[]).map((name) => ({ name })),
    );
    expect(r.body['status'].supportedFeatures).toContainEqual({
      name: 'GatewayHTTPSListenerDetectMisdirectedRequests',
    });
    const got = await call('GET', `/gateway-classes/${r.body['id']}`);
    expect(got.body).toEqual(r.body);
    const list = await call('GET', '/gateway-classes?name=epic');
    expect(list.body['items'].map((c: { id: string }) => c.id)).toEqual([r.body['id']]);
  });

  it('GatewayClassObservedGenerationBump: a spec change bumps the generation Accepted observes; a re-send does not', async () => {
    // The upstream manifest, with the suite's controller placeholder filled in.
    const manifest = parse(
      readFileSync(
        fileURLToPath(
          new URL(
            '../../../k8s/gateway-api/conformance/tests/gatewayclass-observed-generation-bump.yaml',
            import.meta.url,
          ),
        ),
        'utf8',
      ).replace('{GATEWAY_CONTROLLER_NAME}', CONTROLLER_NAME),
    ) as { metadata: { name: string }; spec: Record<string, unknown> };
    // Without a parametersRef the class builds from the template named like it.
    await call('POST', '/templates', {
      name: manifest.metadata.name,
      poolName: 'pub',
      dnsNameTemplate: '{gateway}.example.com',
    });
    const first = await call('PUT', '/gateway-classes', {
      name: manifest.metadata.name,
      spec: manifest.spec,
    });
    expect(first.status, first.raw).toBe(201);
    expect(accepted(first.body)).toMatchObject({ status: 'True', observedGeneration: 1 });
    const same = await call('PUT', '/gateway-classes', { name: manifest.metadata.name, spec: manifest.spec });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ generation: 1 });
    const changed = await call('PUT', '/gateway-classes', {
      name: manifest.metadata.name,
      spec: { ...manifest.spec, description: 'new' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: first.body['id'], generation: 2, spec: { description: 'new' } });
    expect(accepted(changed.body)).toMatchObject({ status: 'True', observedGeneration: 2 });
    expect((await auditTrail(env, key, 'GatewayClass')).filter(([, id]) => id === first.body['id'])).toEqual([
      ['gatewayclass.create', first.body['id'], { name: manifest.metadata.name }],
      ['gatewayclass.update', first.body['id'], { name: manifest.metadata.name, generation: 2 }],
    ]);
  });

  it('is InvalidParameters while its template is missing, and Accepted once it exists (derived on read)', async () => {
    const r = await call('PUT', '/gateway-classes', {
      name: 'later',
      spec: { controllerName: CONTROLLER_NAME, parametersRef: templateRef('later-tpl') },
    });
    expect(accepted(r.body)).toMatchObject({
      status: 'False',
      reason: 'InvalidParameters',
      message: 'template "later-tpl" not found',
    });
    expect(r.body['status'].supportedFeatures).toEqual([]);
    await call('POST', '/templates', {
      name: 'later-tpl',
      poolName: 'pub',
      dnsNameTemplate: '{gateway}.example.com',
    });
    expect(accepted((await call('GET', `/gateway-classes/${r.body['id']}`)).body)).toMatchObject({
      status: 'True',
      reason: 'Accepted',
    });
  });

  it('is InvalidParameters for a parametersRef that is not a Template', async () => {
    const r = await call('PUT', '/gateway-classes', {
      name: 'config-map',
      spec: { controllerName: CONTROLLER_NAME, parametersRef: { group: '', kind: 'ConfigMap', name: 'x' } },
    });
    expect(accepted(r.body)).toMatchObject({
      status: 'False',
      reason: 'InvalidParameters',
      message: expect.stringContaining('epic-gateway.io/Template'),
    });
    const namespaced = await call('PUT', '/gateway-classes', {
      name: 'namespaced',
      spec: { controllerName: CONTROLLER_NAME, parametersRef: { ...templateRef('web'), namespace: 'infra' } },
    });
    expect(accepted(namespaced.body)).toMatchObject({ status: 'False', reason: 'InvalidParameters' });
  });

  it("leaves another controller's class waiting for its controller", async () => {
    const r = await call('PUT', '/gateway-classes', {
      name: 'other',
      spec: { controllerName: 'example.com/other-controller' },
    });
    expect(r.status).toBe(201);
    expect(r.body['status']).toMatchObject({
      conditions: [
        { type: 'Accepted', status: 'Unknown', reason: 'Pending', message: 'Waiting for controller' },
      ],
      supportedFeatures: [],
    });
  });

  it('keeps controllerName immutable and refuses a rename under the same uid, naming the field', async () => {
    await call('PUT', '/gateway-classes', {
      clientUid: 'uid-fixed',
      name: 'fixed',
      spec: { controllerName: CONTROLLER_NAME },
    });
    const moved = await call('PUT', '/gateway-classes', {
      clientUid: 'uid-fixed',
      name: 'fixed',
      spec: { controllerName: 'example.com/other' },
    });
    expect(moved.status).toBe(400);
    expect(moved.body['issues'][0]).toMatchObject({
      path: 'spec.controllerName',
      message: 'Value is immutable',
    });
    const renamed = await call('PUT', '/gateway-classes', {
      clientUid: 'uid-fixed',
      name: 'renamed',
      spec: { controllerName: CONTROLLER_NAME },
    });
    expect(renamed.status).toBe(400);
    expect(renamed.body['issues'][0].path).toBe('name');
  });

  it.each([
    ['without controllerName', { name: 'x', spec: {} }, 'spec.controllerName'],
    [
      'a controllerName without a domain',
      { name: 'x', spec: { controllerName: 'ctl' } },
      'spec.controllerName',
    ],
    [
      'a description longer than 64',
      { name: 'x', spec: { controllerName: CONTROLLER_NAME, description: 'd'.repeat(65) } },
      'spec.description',
    ],
    [
      'an unknown spec field',
      { name: 'x', spec: { controllerName: CONTROLLER_NAME, paramsRef: {} } },
      'spec.paramsRef',
    ],
    [
      'a name that is not a DNS subdomain',
      { name: 'X_Y', spec: { controllerName: CONTROLLER_NAME } },
      'name',
    ],
  ])('refuses a class %s with a 400 naming the field', async (_what, body, field) => {
    const r = await call('PUT', '/gateway-classes', body);
    expect(r.status, r.raw).toBe(400);
    expect(r.body['issues'].map((i: { path: string }) => i.path)).toContain(field);
  });

  it('deletes a class', async () => {
    const r = await call('PUT', '/gateway-classes', {
      name: 'gone',
      spec: { controllerName: CONTROLLER_NAME },
    });
    expect((await call('DELETE', `/gateway-classes/${r.body['id']}`)).status).toBe(204);
    expect((await call('GET', `/gateway-classes/${r.body['id']}`)).status).toBe(404);
  });
});

describe('gateways built through a GatewayClass', () => {
  it("builds a gateway from its class's template, and names gatewayClassName when it cannot", async () => {
    await call('PUT', '/gateway-classes', {
      name: 'builds-web',
      spec: { controllerName: CONTROLLER_NAME, parametersRef: templateRef('web') },
    });
    const gw = await call('POST', '/gateways', {
      name: 'by-class',
      gatewayClassName: 'builds-web',
      listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    });
    expect(gw.status, gw.raw).toBe(201);
    expect(gw.body).toMatchObject({ template: { name: 'web' } });
    const refused = async (body: Record<string, unknown>, field: string, message: RegExp) => {
      const r = await call('POST', '/gateways', {
        name: 'refused',
        listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
        ...body,
      });
      expect(r.status, r.raw).toBe(400);
      expect(r.body['issues'][0]).toMatchObject({ path: field, message: expect.stringMatching(message) });
    };
    await refused({ gatewayClassName: 'no-such-class' }, 'gatewayClassName', /not found/);
    await refused({ gatewayClassName: 'other' }, 'gatewayClassName', /belongs to controller example\.com/);
    await refused({ gatewayClassName: 'config-map' }, 'gatewayClassName', /epic-gateway\.io\/Template/);
    await refused({ gatewayClassName: 'builds-web', template: 'web' }, 'gatewayClassName', /not both/);
    await refused({}, 'template', /template or gatewayClassName/);
  });
});

describe('GatewayClasses (GraphQL)', () => {
  it('upserts and reads a class with its status', async () => {
    const gql = async (query: string, variables: Record<string, unknown>) => {
      const r = await env.app.inject({
        method: 'POST',
        url: '/graphql',
        headers: auth(key),
        payload: { query, variables },
      });
      const body = r.json() as { data?: Record<string, any>; errors?: unknown };
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
      return body.data!;
    };
    const c = await gql(
      'mutation($i: UpsertGatewayClassInput!) { upsertGatewayClass(input: $i) { created item { id generation status { supportedFeatures { name } } } } }',
      {
        i: {
          name: 'gql-class',
          spec: { controllerName: CONTROLLER_NAME, parametersRef: templateRef('web') },
        },
      },
    );
    expect(c['upsertGatewayClass']).toMatchObject({ created: true, item: { generation: 1 } });
    const id = c['upsertGatewayClass'].item.id;
    const one = await gql(
      'query($id: ID!) { gatewayClass(id: $id) { name status { conditions { type status reason observedGeneration } } } }',
      { id },
    );
    expect(one['gatewayClass'].status.conditions[0]).toMatchObject({ type: 'Accepted', status: 'True' });
  });
});
