// Installs the upstream Gateway API CRDs (vendored under k8s/gateway-api) into a test server, for tests of
// code that watches Gateway API objects.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeTestServer } from '../server.js';
import { gatewayApiDir } from './kubectl.js';
import { raw } from './raw-request.js';

export async function installGatewayApiCrds(
  server: Pick<KubeTestServer, 'url' | 'token' | 'caCertificate'>,
  channel: 'standard' | 'experimental' = 'standard',
): Promise<string[]> {
  const dir = join(gatewayApiDir, 'crd', channel);
  const names: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const obj = doc.toJSON() as { kind?: string; metadata?: { name?: string } } | null;
      if (obj?.kind !== 'CustomResourceDefinition') continue;
      const name = obj.metadata?.name ?? '';
      const res = await raw(
        server,
        'PATCH',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}?fieldManager=test-setup&force=true`,
        JSON.stringify(obj),
        {
          'Content-Type': 'application/apply-patch+yaml',
        },
      );
      if (res.status !== 200 && res.status !== 201)
        throw new Error(`installing ${name}: ${res.status} ${res.text}`);
      names.push(name);
    }
  }
  return names;
}
