// What the controller's integration tests share: waiting for a condition, and the objects that make a
// GatewayClass of ours in a workload cluster (the API key's Secret, a GatewayClassConfig, the class).
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CONTROLLER_NAME } from '../controller/controller.js';

/** Our CRD (GatewayClassConfig), as `k8s/` ships it. */
export const gatewayClassConfigCrd = fileURLToPath(
  new URL('../../../../k8s/crds/epic-gateway.io_gatewayclassconfigs.yaml', import.meta.url),
);

/** Installs our CRD with a server-side apply through `kube` (method, path, body, content type). */
export async function installGatewayClassConfigCrd(
  kube: (method: string, path: string, body?: unknown, contentType?: string) => Promise<unknown>,
): Promise<void> {
  await kube(
    'PATCH',
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gatewayclassconfigs.epic-gateway.io?fieldManager=test&force=true',
    JSON.stringify(parse(readFileSync(gatewayClassConfigCrd, 'utf8'))),
    'application/apply-patch+yaml',
  );
}

/** Retries `fn` until it resolves, every `intervalMs`; after `timeoutMs` its last error is thrown. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** A condition of an object's status by type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const condition = (obj: { status?: { conditions?: any[] } } | undefined, type: string) =>
  obj?.status?.conditions?.find((c: { type: string }) => c.type === type);

export interface EpicClassOptions {
  apiUrl: string;
  apiKey: string;
  clusterName: string;
  /** Where the Secret and the GatewayClassConfig live. */
  namespace?: string;
  className?: string;
  account?: string;
  template?: string;
}

/** The Secret with the API key, the GatewayClassConfig naming it, and the GatewayClass of ours using it. */
export function epicClassObjects(o: EpicClassOptions) {
  const namespace = o.namespace ?? 'default';
  const name = o.className ?? 'epic';
  return {
    secret: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'epic-api-key', namespace },
      stringData: { 'api-key': o.apiKey },
    },
    config: {
      apiVersion: 'epic-gateway.io/v1alpha1',
      kind: 'GatewayClassConfig',
      metadata: { name, namespace },
      spec: {
        apiUrl: o.apiUrl,
        account: o.account ?? 'demo',
        template: o.template ?? 'default',
        clusterName: o.clusterName,
        apiKeySecretRef: { name: 'epic-api-key' },
      },
    },
    gatewayClass: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name },
      spec: {
        controllerName: CONTROLLER_NAME,
        parametersRef: { group: 'epic-gateway.io', kind: 'GatewayClassConfig', name, namespace },
      },
    },
  };
}

/**
 * Creates the three objects of `epicClassObjects` through the API server's REST paths with `kube`; the
 * GatewayClassConfig is retried until its CRD is served.
 */
export async function createEpicClass(
  kube: (method: string, path: string, body?: unknown) => Promise<unknown>,
  o: EpicClassOptions,
): Promise<void> {
  const { secret, config, gatewayClass } = epicClassObjects(o);
  const ns = secret.metadata.namespace;
  await kube('POST', `/api/v1/namespaces/${ns}/secrets`, secret);
  await eventually(() =>
    kube('POST', `/apis/epic-gateway.io/v1alpha1/namespaces/${ns}/gatewayclassconfigs`, config),
  );
  await kube('POST', '/apis/gateway.networking.k8s.io/v1/gatewayclasses', gatewayClass);
}
