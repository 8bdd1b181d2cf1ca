// The slice of /openapi/v3 kubectl reads: per group-version documents whose PATCH operations carry
// x-kubernetes-group-version-kind and the fieldValidation query parameter, so kubectl leaves field
// validation to the server (`--validate=strict`) instead of downloading /openapi/v2 schemas.
import { createHash } from 'node:crypto';
import type { JsonObject } from './json.js';
import type { ResourceRegistry } from './registry.js';
import type { ResourceType } from './resource-types.js';

function gvPath(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`;
}

const queryParams = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
  name,
  in: 'query',
  schema: { type: 'string', uniqueItems: true },
}));

export function openapiGroupVersion(registry: ResourceRegistry, path: string): JsonObject | undefined {
  const types = registry.all().filter((t) => gvPath(t) === path);
  if (types.length === 0) return undefined;
  const paths: JsonObject = {};
  for (const t of types) {
    const base = `/${gvPath(t)}/${t.namespaced ? 'namespaces/{namespace}/' : ''}${t.plural}/{name}`;
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const op = (verb: string): JsonObject => ({
      operationId: `${verb}${t.kind}`,
      parameters: queryParams,
      responses: { '200': { description: 'OK' } },
      'x-kubernetes-action': verb,
      'x-kubernetes-group-version-kind': gvk,
    });
    paths[base] = { get: op('get'), put: op('put'), patch: op('patch'), delete: op('delete') };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas: {} },
  };
}

export function openapiRoot(registry: ResourceRegistry): JsonObject {
  const paths: JsonObject = {};
  for (const t of registry.all()) {
    const p = gvPath(t);
    if (paths[p]) continue;
    const doc = openapiGroupVersion(registry, p);
    const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 32).toUpperCase();
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
  }
  return { paths };
}
