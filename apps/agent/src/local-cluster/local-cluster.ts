import { startKubeTestServer, type KubeTestServer } from '@epic/kube-testserver';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { CONTROLLER_NAME, GatewayController, type Logger } from '../controller/controller.js';
import { KubeClient } from '../controller/kube-client.js';
import { CONFIG_GROUP, KINDS, resourcePath, type ResourceKind } from '../controller/resources.js';

const k8sDir = fileURLToPath(new URL('../../../../k8s/', import.meta.url));

export interface LocalClusterOptions {
  /** Where the kubeconfig is written (its directory is created). */
  kubeconfigPath: string;
  /** The EPIC API the controller talks to, and an admin key of `account` there. */
  apiUrl: string;
  apiKey: string;
  account?: string;
  template?: string;
  clusterName?: string;
  log: Logger;
  /** The controller's settings (tests make it faster); the defaults are the controller's. */
  statusPollMs?: number;
  debounceMs?: number;
}

export interface LocalCluster {
  server: KubeTestServer;
  controller: GatewayController;
  kubeconfigPath: string;
  close(): Promise<void>;
}

const NAMESPACE = 'epic-gateway-system';

/** The kinds of the objects the set-up applies, by apiVersion and kind. */
const SETUP_KINDS: Record<string, ResourceKind> = {
  'apiextensions.k8s.io/v1/CustomResourceDefinition': {
    kind: 'CustomResourceDefinition',
    group: 'apiextensions.k8s.io',
    version: 'v1',
    plural: 'customresourcedefinitions',
    namespaced: false,
  },
  'v1/Namespace': KINDS.Namespace,
  'v1/Secret': KINDS.Secret,
  [`${CONFIG_GROUP}/v1alpha1/GatewayClassConfig`]: KINDS.GatewayClassConfig,
  'gateway.networking.k8s.io/v1/GatewayClass': KINDS.GatewayClass,
};

/** The CRDs a workload cluster has before our controller is installed: Gateway API (standard) and ours. */
function crds(): Record<string, unknown>[] {
  const files = [
    ...readdirSync(join(k8sDir, 'gateway-api/crd/standard'))
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .map((f) => join(k8sDir, 'gateway-api/crd/standard', f)),
    join(k8sDir, 'crds/epic-gateway.io_gatewayclassconfigs.yaml'),
  ];
  return files
    .flatMap((f) => parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJSON() as unknown))
    .filter(
      (o): o is Record<string, unknown> =>
        !!o && (o as { kind?: string }).kind === 'CustomResourceDefinition',
    );
}

/**
 * The workload cluster of the embedded default (`npm start`): the test API server with the Gateway API CRDs
 * and ours, a GatewayClass `epic` whose GatewayClassConfig and Secret hold the EPIC API's URL and a key of the
 * demo account, and the controller attached — exactly what the README's install does on a real cluster. The
 * cluster lives in memory: its objects are gone when it stops, and the controller's first sync after the next
 * start removes from EPIC what it had mirrored.
 */
export async function startLocalCluster(opts: LocalClusterOptions): Promise<LocalCluster> {
  mkdirSync(dirname(opts.kubeconfigPath), { recursive: true });
  const server = await startKubeTestServer({ kubeconfigPath: opts.kubeconfigPath });
  let controller: GatewayController | undefined;
  try {
    const kc = await server.kubeConfig();
    const kube = new KubeClient(kc);
    const apply = (obj: Record<string, unknown>) => {
      const meta = obj.metadata as { name: string; namespace?: string };
      const k = SETUP_KINDS[`${String(obj.apiVersion)}/${String(obj.kind)}`];
      if (!k) throw new Error(`local cluster set-up: no kind ${String(obj.apiVersion)} ${String(obj.kind)}`);
      const path = `${resourcePath(k, meta.namespace, meta.name)}?fieldManager=epic-local-cluster&force=true`;
      return kube.patch(path, obj, 'apply');
    };
    for (const crd of crds()) await apply(crd);
    await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    await apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'epic-api-key', namespace: NAMESPACE },
      type: 'Opaque',
      data: { 'api-key': Buffer.from(opts.apiKey).toString('base64') },
    });
    await apply({
      apiVersion: `${CONFIG_GROUP}/v1alpha1`,
      kind: 'GatewayClassConfig',
      metadata: { name: 'epic', namespace: NAMESPACE },
      spec: {
        apiUrl: opts.apiUrl,
        account: opts.account ?? 'demo',
        template: opts.template ?? 'default',
        clusterName: opts.clusterName ?? 'local',
        apiKeySecretRef: { name: 'epic-api-key' },
      },
    });
    await apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'epic' },
      spec: {
        controllerName: CONTROLLER_NAME,
        description: 'EPIC (the local workload cluster of npm start)',
        parametersRef: {
          group: CONFIG_GROUP,
          kind: 'GatewayClassConfig',
          name: 'epic',
          namespace: NAMESPACE,
        },
      },
    });
    controller = new GatewayController({
      kubeConfig: kc,
      log: opts.log,
      ...(opts.statusPollMs ? { statusPollMs: opts.statusPollMs } : {}),
      ...(opts.debounceMs ? { debounceMs: opts.debounceMs } : {}),
    });
    await controller.start();
  } catch (e) {
    controller?.stop();
    await server.close();
    throw e;
  }
  const c = controller;
  return {
    server,
    controller: c,
    kubeconfigPath: opts.kubeconfigPath,
    async close() {
      c.stop();
      await server.close();
    },
  };
}
