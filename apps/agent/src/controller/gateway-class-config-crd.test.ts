import { startKubeTestServer, type KubeTestServer } from '@epic/kube-testserver';
import { Kubectl } from '@epic/kube-testserver/test-support';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const crds = fileURLToPath(
  new URL('../../../../k8s/crds/epic-gateway.io_gatewayclassconfigs.yaml', import.meta.url),
);

let server: KubeTestServer;
let kubectl: Kubectl;
beforeAll(async () => {
  server = await startKubeTestServer();
  kubectl = new Kubectl(server);
  const r = await kubectl.run(['apply', '--server-side', '-f', crds]);
  expect(r.stderr).toBe('');
});
afterAll(async () => {
  kubectl?.cleanup();
  await server?.close();
});

const config = (spec: Record<string, unknown>) =>
  JSON.stringify({
    apiVersion: 'epic-gateway.io/v1alpha1',
    kind: 'GatewayClassConfig',
    metadata: { name: 'epic', namespace: 'default' },
    spec: {
      apiUrl: 'https://epic.example.com',
      account: 'acme',
      template: 'default',
      clusterName: 'prod-1',
      apiKeySecretRef: { name: 'epic-api-key' },
      ...spec,
    },
  });

describe('GatewayClassConfig CRD', () => {
  it('takes a valid config and fills the defaults (Secret key, tunnel)', async () => {
    const r = await kubectl.run(['apply', '-f', '-'], config({}));
    expect(r.stderr).toBe('');
    const got = JSON.parse((await kubectl.run(['get', 'gatewayclassconfig', 'epic', '-o', 'json'])).stdout);
    expect(got.spec.apiKeySecretRef).toEqual({ name: 'epic-api-key', key: 'api-key' });
    expect(got.spec.tunnel).toEqual({ port: 6080, keepaliveSeconds: 10, nodeAddressType: 'InternalIP' });
    const table = await kubectl.run(['get', 'gcc']);
    expect(table.stdout).toMatch(/epic\s+https:\/\/epic\.example\.com\s+acme\s+default\s+prod-1/);
  });

  it.each([
    ['an inline API key', { apiKey: 'epic_secret' }, /unknown field "spec.apiKey"/],
    ['plain http to a remote host', { apiUrl: 'http://epic.example.com' }, /apiUrl must use https/],
    ['no Secret reference', { apiKeySecretRef: undefined }, /apiKeySecretRef: Required value/],
    ['a CA bundle that is not PEM', { caBundle: 'not a cert' }, /caBundle must hold PEM certificates/],
    ['a template that is not a name', { template: 'Not_A_Name' }, /spec.template: Invalid value/],
    ['a tunnel port out of range', { tunnel: { port: 70000 } }, /spec.tunnel.port: Invalid value/],
  ])('refuses %s', async (_what, spec, message) => {
    const r = await kubectl.run(['apply', '-f', '-'], config(spec));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  it('allows plain http to a loopback API (the local embedded default)', async () => {
    const r = await kubectl.run(['apply', '-f', '-'], config({ apiUrl: 'http://127.0.0.1:8080' }));
    expect(r.stderr).toBe('');
  });
});
