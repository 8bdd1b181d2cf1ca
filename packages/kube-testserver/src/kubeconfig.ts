// A kubeconfig for the test server: one cluster, one bearer-token user, namespace `default`.
import { stringify } from 'yaml';

export function renderKubeconfig(
  server: string,
  token: string,
  namespace = 'default',
  caData?: string,
): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'kube-testserver',
        cluster: { server, ...(caData ? { 'certificate-authority-data': caData } : {}) },
      },
    ],
    users: [{ name: 'kube-testserver', user: { token } }],
    contexts: [
      {
        name: 'kube-testserver',
        context: { cluster: 'kube-testserver', user: 'kube-testserver', namespace },
      },
    ],
    'current-context': 'kube-testserver',
    preferences: {},
  });
}
