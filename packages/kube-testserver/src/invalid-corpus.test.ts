import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeTestServer, type KubeTestServer } from './index.js';
import { expectedCauses, expectedMessage, invalidCorpus } from './test-support/invalid-corpus.js';
import { installGatewayApiCrds } from './test-support/gateway-api-crds.js';
import { Kubectl } from './test-support/kubectl.js';
import { raw } from './test-support/raw-request.js';

const collections: Record<string, string> = {
  Gateway: '/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways',
  HTTPRoute: '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes',
  GRPCRoute: '/apis/gateway.networking.k8s.io/v1/namespaces/default/grpcroutes',
  ReferenceGrant: '/apis/gateway.networking.k8s.io/v1/namespaces/default/referencegrants',
  GatewayClass: '/apis/gateway.networking.k8s.io/v1/gatewayclasses',
  ConfigMap: '/api/v1/namespaces/default/configmaps',
  Service: '/api/v1/namespaces/default/services',
};

let server: KubeTestServer;
let kubectl: Kubectl;

beforeAll(async () => {
  server = await startKubeTestServer();
  kubectl = new Kubectl(server);
  expect(await installGatewayApiCrds(server)).toHaveLength(10);
});

afterAll(async () => {
  kubectl?.cleanup();
  await server?.close();
});

describe('invalid objects are rejected like a real API server', () => {
  it('has a corpus of at least 30 distinct invalid objects', () => {
    expect(invalidCorpus.length).toBeGreaterThanOrEqual(30);
    expect(new Set(invalidCorpus.map((c) => c.name)).size).toBe(invalidCorpus.length);
  });

  it.each(invalidCorpus.map((c) => [c.name.slice(0, 40), c] as const))(
    '%s: 422 Invalid naming the field',
    async (_, c) => {
      const res = await raw(server, 'POST', collections[c.object.kind as string] as string, c.object);
      expect(res.status).toBe(422);
      expect(res.json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422 });
      expect(res.json.message).toBe(expectedMessage(c));
      expect(res.json.details.causes).toEqual(
        expectedCauses(c).map((e) => ({ reason: expect.any(String), field: e.field, message: e.message })),
      );
    },
  );

  it.each([
    ['create', ['create']],
    ['apply --server-side', ['apply', '--server-side']],
  ])('reports every corpus error through kubectl %s', async (_, verb) => {
    const manifest = invalidCorpus.map((c) => stringify(c.object)).join('---\n');
    const r = await kubectl.run([...verb, '-n', 'default', '-f', '-'], manifest);
    expect(r.code).not.toBe(0);
    const missing = invalidCorpus.filter((c) => !r.stderr.includes(expectedMessage(c)));
    expect(missing.map((c) => c.name)).toEqual([]);
    expect(r.stdout).toBe('');
  });
});
