/**
 * The ready-to-copy manifests that connect a workload cluster to this control plane: a Secret holding an API key
 * and a GatewayClassConfig that points at the API and names the account. Pure: the page passes the origin.
 */
export interface ManifestInput {
  apiUrl: string;
  account: string;
  keyName: string;
  /** The secret, when just created; otherwise a placeholder the user replaces. */
  secret?: string;
  template?: string;
}

export function gatewayClassManifest(m: ManifestInput): string {
  const secretName = `epic-${
    m.keyName
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'key'
  }`;
  return [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    `  name: ${secretName}`,
    '  namespace: epic-gateway',
    'type: Opaque',
    'stringData:',
    `  api-key: ${m.secret ?? '<paste the key shown once when it was created>'}`,
    '---',
    'apiVersion: puregw.epic-gateway.org/v1',
    'kind: GatewayClassConfig',
    'metadata:',
    `  name: ${m.account}`,
    '  namespace: epic-gateway',
    'spec:',
    '  epic:',
    `    api-url: ${m.apiUrl}`,
    `    account: ${m.account}`,
    `    gateway-template: ${m.template ?? 'default'}`,
    `    api-key-secret: ${secretName}`,
    '',
  ].join('\n');
}
