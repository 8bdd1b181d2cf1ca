// Behaviours a controller can observe where the test server must answer exactly like kube-apiserver
// (issue 9, item 7): CEL transition rules, CRD status defaults, DELETE answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeTestServer, type KubeTestServer } from './index.js';
import { installGatewayApiCrds } from './test-support/gateway-api-crds.js';
import { Kubectl } from './test-support/kubectl.js';
import { raw } from './test-support/raw-request.js';

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
