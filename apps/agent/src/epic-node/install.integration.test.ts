// k8s/epic-node applied with `kubectl apply -k` to the in-memory API server: the DaemonSet, its ServiceAccount
// and a ClusterRole granting exactly what the pod observer does (list pods), nothing more.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKubeTestServer, type KubeTestServer } from '@epic/kube-testserver';
import { Kubectl } from '@epic/kube-testserver/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { podListPath } from './pod-observer.js';
import { parseEpicNodeEnv } from './run.js';

let server: KubeTestServer;
let kubectl: Kubectl;
const base = fileURLToPath(new URL('../../../../k8s/epic-node', import.meta.url));

beforeAll(async () => {
  server = await startKubeTestServer({ kubeconfigPath: true });
  kubectl = new Kubectl(server);
});
afterAll(async () => {
  await server?.close();
});

const json = async (args: string[]) => JSON.parse((await kubectl.run([...args, '-o', 'json'])).stdout);

describe('k8s/epic-node', () => {
  it('applies with kubectl apply -k; its ClusterRole grants exactly what the node agent uses', async () => {
    // The test API server serves no rbac.authorization.k8s.io: schemaless stand-ins let kubectl apply -k run.
    for (const [kind, plural] of <const>[
      ['ClusterRole', 'clusterroles'],
      ['ClusterRoleBinding', 'clusterrolebindings'],
    ]) {
      const crd = {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `${plural}.rbac.authorization.k8s.io` },
        spec: {
          group: 'rbac.authorization.k8s.io',
          names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
          scope: 'Cluster',
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
      const dir = mkdtempSync(join(tmpdir(), 'prov2-install-'));
      try {
        writeFileSync(join(dir, 'crd.json'), JSON.stringify(crd));
        expect((await kubectl.run(['apply', '--server-side', '-f', join(dir, 'crd.json')])).stderr).toBe('');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    expect((await kubectl.run(['create', 'namespace', 'epic-system'])).code).toBe(0);
    let applied = { stderr: 'not run' };
    for (let i = 0; i < 50 && applied.stderr !== ''; i++) {
      applied = await kubectl.run(['apply', '-k', base]);
      if (applied.stderr !== '') await new Promise((r) => setTimeout(r, 100));
    }
    expect(applied.stderr).toBe('');

    const ds = await json(['get', 'daemonset', 'epic-node-agent', '-n', 'epic-system']);
    const pod = ds.spec.template.spec;
    expect(pod.serviceAccountName).toBe('epic-node-agent');
    expect(pod.hostNetwork).toBe(true);
    const c = pod.containers[0];
    expect(c.args).toContain('--mode=epic-node');
    const env = Object.fromEntries(
      (c.env as Array<{ name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }>).map(
        (e) => [e.name, e.value ?? e.valueFrom?.fieldRef.fieldPath],
      ),
    );
    expect(env).toMatchObject({
      EPIC_NODE_NAME: 'spec.nodeName',
      EPIC_PROXIES_FROM: 'kubernetes',
      EPIC_NODE_TOKEN_DIR: '/etc/epic/node-credentials',
    });
    // The credential comes from the per-node Secret's mounted key, never from the API server.
    const mount = c.volumeMounts.find(
      (m: { mountPath: string }) => m.mountPath === env['EPIC_NODE_TOKEN_DIR'],
    );
    const vol = pod.volumes.find((v: { name: string }) => v.name === mount.name);
    expect(vol.secret.secretName).toBe('epic-node-credentials');
    expect(
      (await json(['get', 'serviceaccount', 'epic-node-agent', '-n', 'epic-system'])).metadata.name,
    ).toBe('epic-node-agent');

    // What the role grants, as `group resource verb`, against what the pod observer requests.
    const role = await json(['get', 'clusterrole', 'epic-node-agent']);
    const granted = new Set<string>();
    for (const rule of role.rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>)
      for (const g of rule.apiGroups)
        for (const r of rule.resources) for (const v of rule.verbs) granted.add(`${g} ${r} ${v}`);
    const observerPath = new URL(podListPath('n1'), 'https://x').pathname;
    expect(observerPath).toBe('/api/v1/pods');
    expect([...granted]).toEqual([' pods list']);
    const binding = await json(['get', 'clusterrolebinding', 'epic-node-agent']);
    expect(binding.roleRef.name).toBe('epic-node-agent');
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'epic-node-agent', namespace: 'epic-system' },
    ]);
    const kinds = parseAllDocuments((await kubectl.run(['kustomize', base])).stdout).map(
      (d) => (d.toJSON() as { kind: string }).kind,
    );
    expect(kinds.sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'DaemonSet', 'ServiceAccount']);
  });

  it("reads the node's credential from EPIC_NODE_TOKEN_DIR/<node name>", () => {
    const dir = mkdtempSync(join(tmpdir(), 'prov2-token-'));
    try {
      writeFileSync(join(dir, 'n1.example'), 'epicnode_abc\n');
      const env = {
        EPIC_API_URL: 'https://epic.example',
        EPIC_NODE_NAME: 'n1.example',
        EPIC_NODE_ADDRESSES: '192.0.2.1',
        EPIC_NODE_TOKEN_DIR: dir,
      };
      expect(parseEpicNodeEnv(env).EPIC_NODE_TOKEN).toBe('epicnode_abc');
      expect(() => parseEpicNodeEnv({ ...env, EPIC_NODE_NAME: 'n2.example' })).toThrow(
        /EPIC_NODE_TOKEN_DIR: no credential for n2\.example/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
