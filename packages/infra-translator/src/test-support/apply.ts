// Server-side apply of translated objects to a (test) API server, as the provisioner does it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeTestServer } from '@epic/kube-testserver';
import { raw, type RawResponse } from '@epic/kube-testserver/test-support';
import type { KubeObject } from '../translate.js';

const plurals: Record<string, string> = {
  Namespace: 'namespaces',
  ConfigMap: 'configmaps',
  ServiceAccount: 'serviceaccounts',
  Secret: 'secrets',
  Service: 'services',
  Deployment: 'deployments',
  PodDisruptionBudget: 'poddisruptionbudgets',
  NetworkPolicy: 'networkpolicies',
  PodMonitor: 'podmonitors',
};

export function pathOf(o: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const base = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  const ns = o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : '';
  return `${base}${ns}/${plurals[o.kind]!}/${o.metadata.name}`;
}

type Server = Pick<KubeTestServer, 'url' | 'token' | 'caCertificate'>;

export function apply(server: Server, o: KubeObject): Promise<RawResponse> {
  return raw(server, 'PATCH', `${pathOf(o)}?fieldManager=epic&force=true`, JSON.stringify(o), {
    'Content-Type': 'application/apply-patch+yaml',
  });
}

export const podMonitorCrdPath = join(
  import.meta.dirname,
  '..',
  '..',
  'testdata',
  'crds',
  'monitoring.coreos.com_podmonitors.yaml',
);

export async function installPodMonitorCrd(server: Server): Promise<void> {
  const r = await raw(
    server,
    'PATCH',
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/podmonitors.monitoring.coreos.com?fieldManager=test-setup&force=true',
    readFileSync(podMonitorCrdPath, 'utf8'),
    { 'Content-Type': 'application/apply-patch+yaml' },
  );
  if (r.status !== 200 && r.status !== 201) throw new Error(`PodMonitor CRD: ${r.status} ${r.text}`);
}
