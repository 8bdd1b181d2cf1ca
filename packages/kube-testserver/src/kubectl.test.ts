import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeTestServer, type KubeTestServer } from './index.js';
import { gatewayApiDir, Kubectl } from './test-support/kubectl.js';
import { until } from './test-support/raw-request.js';

let server: KubeTestServer;
let kubectl: Kubectl;

const examplesDir = join(gatewayApiDir, 'examples');
const namespaceFiles = [
  '0-namespaces.yaml',
  'cross-namespace-routing/0-namespaces.yaml',
  'multicluster/0-namespaces.yaml',
].map((f) => join(examplesDir, f));

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return f.endsWith('.yaml') ? [p] : [];
  });
}

function documentCount(files: string[]): number {
  return files.reduce(
    (n, f) => n + parseAllDocuments(readFileSync(f, 'utf8')).filter((d) => d.toJSON() !== null).length,
    0,
  );
}

beforeAll(async () => {
  server = await startKubeTestServer({ kubeconfigPath: true });
  kubectl = new Kubectl(server);
});

afterAll(async () => {
  kubectl?.cleanup();
  await server?.close();
});

describe('kubectl against the test server', () => {
  it('applies the standard Gateway API CRDs server-side and serves their kinds', async () => {
    const dir = join(gatewayApiDir, 'crd', 'standard');
    const r = await kubectl.run(['apply', '--server-side', '-f', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(documentCount(yamlFiles(dir)));
    const resources = await kubectl.run([
      'api-resources',
      '--api-group=gateway.networking.k8s.io',
      '-o',
      'name',
    ]);
    expect(resources.stdout.split('\n')).toEqual(
      expect.arrayContaining([
        'gateways.gateway.networking.k8s.io',
        'httproutes.gateway.networking.k8s.io',
        'gatewayclasses.gateway.networking.k8s.io',
      ]),
    );
    const established = await kubectl.run([
      'wait',
      '--for=condition=established',
      '--timeout=10s',
      'crd/gateways.gateway.networking.k8s.io',
    ]);
    expect(established.code).toBe(0);
  });

  it('applies every upstream example server-side', async () => {
    const ns = await kubectl.run(['apply', '--server-side', ...namespaceFiles.flatMap((f) => ['-f', f])]);
    expect(ns.code).toBe(0);
    const r = await kubectl.run(['apply', '--server-side', '-R', '-f', examplesDir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const applied = r.stdout.split('\n').filter((l) => l.endsWith(' serverside-applied'));
    expect(applied).toHaveLength(documentCount(yamlFiles(examplesDir)));
  });

  it('lists applied objects with kubectl get, including printer columns', async () => {
    const r = await kubectl.run(['get', 'gateways', '-A', '-o', 'json']);
    const list = JSON.parse(r.stdout);
    expect(list.items.length).toBeGreaterThan(10);
    const table = await kubectl.run(['get', 'httproutes', '-n', 'default']);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+HOSTNAMES\s+AGE$/);
    expect(table.stdout).toMatch(/\nfoo-route\s+\["foo\.example\.com"\]\s+\d+s\n/);
  });

  it('prints CRD columns with [*] and [?(@.type=="…")] JSONPath, first result only (as the table convertor)', async () => {
    const gw = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'columns', namespace: 'default' },
      spec: { gatewayClassName: 'cls', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    };
    expect((await kubectl.run(['apply', '-f', '-'], JSON.stringify(gw))).stderr).toBe('');
    const status = {
      addresses: [
        { type: 'IPAddress', value: '192.0.2.7' },
        { type: 'Hostname', value: 'columns.example.com' },
      ],
      conditions: ['Accepted', 'Programmed'].map((type, i) => ({
        type,
        status: i === 0 ? 'True' : 'False',
        reason: i === 0 ? 'Accepted' : 'Invalid',
        message: '',
        observedGeneration: 1,
        lastTransitionTime: '2026-01-01T00:00:00Z',
      })),
    };
    const p = await kubectl.run([
      'patch',
      'gateway',
      'columns',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status }),
    ]);
    expect(p.stderr).toBe('');
    const table = await kubectl.run(['get', 'gateway', 'columns', '-n', 'default']);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+CLASS\s+ADDRESS\s+PROGRAMMED\s+AGE$/);
    expect(table.stdout).toMatch(/\ncolumns\s+cls\s+192\.0\.2\.7\s+False\s+\d+s\n/);
    expect((await kubectl.run(['delete', 'gateway', 'columns', '-n', 'default'])).code).toBe(0);
  });

  it('describes a custom resource', async () => {
    const r = await kubectl.run(['describe', 'gateway', 'my-gateway', '-n', 'default']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name:\s+my-gateway$/m);
    expect(r.stdout).toMatch(/^Kind:\s+Gateway$/m);
    expect(r.stdout).toMatch(/Gateway Class Name:\s+example/);
  });

  it('deletes an object and then reports it not found', async () => {
    const del = await kubectl.run(['delete', 'httproute', 'foo-route', '-n', 'default']);
    expect(del.stdout.trim()).toBe('httproute.gateway.networking.k8s.io "foo-route" deleted');
    const get = await kubectl.run(['get', 'httproute', 'foo-route', '-n', 'default']);
    expect(get.code).not.toBe(0);
    expect(get.stderr.trim()).toBe(
      'Error from server (NotFound): httproutes.gateway.networking.k8s.io "foo-route" not found',
    );
  });

  it('does not write when unchanged manifests (an example, the CRDs) are applied again', async () => {
    const file = join(examplesDir, 'http-routing', 'gateway.yaml');
    await kubectl.run(['apply', '--server-side', '-f', file]);
    const before = server.store.resourceVersion;
    const again = await kubectl.run(['apply', '--server-side', '-f', file]);
    expect(again.code).toBe(0);
    const crds = await kubectl.run(['apply', '--server-side', '-f', join(gatewayApiDir, 'crd', 'standard')]);
    expect(crds.code).toBe(0);
    expect(server.store.resourceVersion).toBe(before);
  });

  it('reports a server-side apply conflict with another field manager, and forces it', async () => {
    const manifest =
      'apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: conflicted\nspec:\n  controllerName: example.com/one\n  description: one\n';
    expect((await kubectl.run(['apply', '--server-side', '-f', '-'], manifest)).code).toBe(0);
    // controllerName is immutable (a CEL transition rule), so the contested field is the description.
    const other = manifest.replace('description: one', 'description: two');
    const conflict = await kubectl.run(
      ['apply', '--server-side', '--field-manager=intruder', '-f', '-'],
      other,
    );
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain(
      'Apply failed with 1 conflict: conflict with "kubectl" using gateway.networking.k8s.io/v1: .spec.description',
    );
    const forced = await kubectl.run(
      ['apply', '--server-side', '--field-manager=intruder', '--force-conflicts', '-f', '-'],
      other,
    );
    expect(forced.code).toBe(0);
    const value = await kubectl.run([
      'get',
      'gatewayclass',
      'conflicted',
      '-o',
      'jsonpath={.spec.description}',
    ]);
    expect(value.stdout).toBe('two');
  });

  it('applies client-side (strategic merge) and describes a Deployment', async () => {
    const manifest = (image: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: ${image}\n`;
    expect((await kubectl.run(['apply', '-f', '-'], manifest('nginx:1'))).stdout.trim()).toBe(
      'deployment.apps/web created',
    );
    expect((await kubectl.run(['apply', '-f', '-'], manifest('nginx:1'))).stdout.trim()).toBe(
      'deployment.apps/web unchanged',
    );
    expect((await kubectl.run(['apply', '-f', '-'], manifest('nginx:2'))).stdout.trim()).toBe(
      'deployment.apps/web configured',
    );
    const d = await kubectl.run(['describe', 'deployment', 'web', '-n', 'default']);
    expect(d.stdout).toMatch(/^Replicas:\s+1 desired/m);
    expect(d.stdout).toMatch(/^\s+Image:\s+nginx:2$/m);
  });

  it('streams changes with kubectl get -w', async () => {
    const watching = kubectl.start(['get', 'configmaps', '-n', 'default', '-w', '--output-watch-events']);
    try {
      await until(() => server.watchCount() > 0, 20_000, 'kubectl to watch');
      const created = await kubectl.run(
        ['apply', '-f', '-'],
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n  namespace: default\n',
      );
      expect(created.code).toBe(0);
      await until(
        () => /^ADDED\s+watched\s+\d+s$/m.test(watching.output()),
        20_000,
        'kubectl to print the event',
      );
    } finally {
      watching.stop();
    }
  });

  it('deletes a namespace with its contents and waits for it to go', async () => {
    const r = await kubectl.run(['delete', 'namespace', 'gateway-api-example-ns1', '--timeout=20s']);
    expect(r.stdout.trim()).toBe('namespace "gateway-api-example-ns1" deleted');
    const routes = await kubectl.run(['get', 'httproutes', '-n', 'gateway-api-example-ns1', '-o', 'name']);
    expect(routes.stdout).toBe('');
  });

  it('applies the experimental CRDs over the standard ones', async () => {
    const dir = join(gatewayApiDir, 'crd', 'experimental');
    // kustomization.yaml is not a Kubernetes object; a real cluster refuses it too.
    const files = yamlFiles(dir).filter((f) => !f.endsWith('kustomization.yaml'));
    const r = await kubectl.run(['apply', '--server-side', ...files.flatMap((f) => ['-f', f])]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const kinds = await kubectl.run([
      'api-resources',
      '--api-group=gateway.networking.x-k8s.io',
      '-o',
      'name',
    ]);
    expect(kinds.stdout).toContain('xbackendtrafficpolicies.gateway.networking.x-k8s.io');
  });

  it('creates ConfigMaps, Secrets, a Namespace and a ServiceAccount with the typed generators (protobuf bodies)', async () => {
    const cm = await kubectl.run([
      'create',
      'configmap',
      'from-literal',
      '-n',
      'default',
      '--from-literal=a=b',
      '--from-literal=greeting=hello world',
    ]);
    expect(cm.stderr).toBe('');
    expect(cm.stdout.trim()).toBe('configmap/from-literal created');
    const got = await kubectl.run([
      'get',
      'configmap',
      'from-literal',
      '-n',
      'default',
      '-o',
      'json',
      '--show-managed-fields',
    ]);
    const obj = JSON.parse(got.stdout);
    expect(obj.data).toEqual({ a: 'b', greeting: 'hello world' });
    expect(obj.metadata.managedFields[0].manager).toBe('kubectl-create');

    const generic = await kubectl.run([
      'create',
      'secret',
      'generic',
      'creds',
      '-n',
      'default',
      '--from-literal=password=s3cr\u00e9t',
    ]);
    expect(generic.stdout.trim()).toBe('secret/creds created');
    const secret = JSON.parse(
      (await kubectl.run(['get', 'secret', 'creds', '-n', 'default', '-o', 'json'])).stdout,
    );
    expect(secret.type).toBe('Opaque');
    expect(Buffer.from(secret.data.password, 'base64').toString('utf8')).toBe('s3cr\u00e9t');

    const certs = new URL('../certs/', import.meta.url).pathname;
    const tls = await kubectl.run([
      'create',
      'secret',
      'tls',
      'serving',
      '-n',
      'default',
      `--cert=${join(certs, 'server.crt')}`,
      `--key=${join(certs, 'server.key')}`,
    ]);
    expect(tls.stdout.trim()).toBe('secret/serving created');
    const tlsSecret = JSON.parse(
      (await kubectl.run(['get', 'secret', 'serving', '-n', 'default', '-o', 'json'])).stdout,
    );
    expect(tlsSecret.type).toBe('kubernetes.io/tls');
    expect(Buffer.from(tlsSecret.data['tls.crt'], 'base64').toString('utf8')).toBe(
      readFileSync(join(certs, 'server.crt'), 'utf8'),
    );

    expect((await kubectl.run(['create', 'namespace', 'typed'])).stdout.trim()).toBe(
      'namespace/typed created',
    );
    expect((await kubectl.run(['create', 'serviceaccount', 'robot', '-n', 'typed'])).stdout.trim()).toBe(
      'serviceaccount/robot created',
    );
    const again = await kubectl.run([
      'create',
      'configmap',
      'from-literal',
      '-n',
      'default',
      '--from-literal=a=c',
    ]);
    expect(again.code).not.toBe(0);
    expect(again.stderr.trim()).toBe(
      'error: failed to create configmap: configmaps "from-literal" already exists',
    );
  });
});
