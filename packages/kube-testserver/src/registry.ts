// Which resources are served at which group/version, and the discovery documents that describe them.
import { isObject, str, type Json, type JsonObject } from './json.js';
import { apiVersionOf, builtinTypes, type PrinterColumn, type ResourceType } from './resource-types.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Kubernetes version ordering: GA > beta > alpha, higher numbers first (apimachinery's CompareKubeAwareVersionStrings). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    const stage = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [stage, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [sa, ma, na] = parse(a);
  const [sb, mb, nb] = parse(b);
  if (sa !== sb) return sb - sa;
  if (ma !== mb) return mb - ma;
  if (na !== nb) return nb - na;
  return a < b ? -1 : a > b ? 1 : 0;
}

export class ResourceRegistry {
  private readonly types: ResourceType[] = [...builtinTypes];

  all(): readonly ResourceType[] {
    return this.types;
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  findByKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.types.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
  }

  /** Every served version of the same stored resource (for fanning out watch events across versions). */
  versionsOf(group: string, plural: string): ResourceType[] {
    return this.types.filter((t) => t.group === group && t.plural === plural);
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.types.some((t) => t.group === group && t.version === version);
  }

  /** Serves (or re-serves after an update) the versions a CRD declares. */
  registerCrd(crd: JsonObject): void {
    const name = str((crd.metadata as JsonObject | undefined)?.name) ?? '';
    this.unregisterCrd(name);
    const spec = isObject(crd.spec) ? crd.spec : {};
    const names = isObject(spec.names) ? spec.names : {};
    const group = str(spec.group) ?? '';
    const kind = str(names.kind) ?? '';
    const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObject) : [];
    for (const v of versions) {
      if (v.served === false) continue;
      const subresources = isObject(v.subresources) ? v.subresources : {};
      const validation = isObject(v.schema) ? v.schema : {};
      const schema = isObject(validation.openAPIV3Schema) ? validation.openAPIV3Schema : undefined;
      this.types.push({
        group,
        version: str(v.name) ?? '',
        kind,
        listKind: str(names.listKind) ?? `${kind}List`,
        plural: str(names.plural) ?? '',
        singular: str(names.singular) ?? kind.toLowerCase(),
        namespaced: spec.scope !== 'Cluster',
        shortNames: stringList(names.shortNames),
        categories: stringList(names.categories),
        statusSubresource: isObject(subresources.status),
        generation: true,
        extraFieldLabels: [],
        strategicMerge: false,
        ...(schema ? { schema } : {}),
        printerColumns: (Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : [])
          .filter(isObject)
          .map((c): PrinterColumn => ({
            name: str(c.name) ?? '',
            type: str(c.type) ?? 'string',
            jsonPath: str(c.jsonPath) ?? '',
            ...(str(c.description) ? { description: str(c.description) } : {}),
            ...(typeof c.priority === 'number' ? { priority: c.priority } : {}),
            ...(str(c.format) ? { format: str(c.format) } : {}),
          })),
        crdName: name,
      });
    }
  }

  unregisterCrd(crdName: string): void {
    for (let i = this.types.length - 1; i >= 0; i--) {
      if (this.types[i]?.crdName === crdName) this.types.splice(i, 1);
    }
  }

  /** GET /api */
  apiVersions(serverAddress: string): JsonObject {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }

  private groups(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const t of this.types) {
      if (!t.group) continue;
      const versions = groups.get(t.group) ?? [];
      if (!versions.includes(t.version)) versions.push(t.version);
      groups.set(t.group, versions);
    }
    for (const v of groups.values()) v.sort(compareVersions);
    return groups;
  }

  /** GET /apis/<group> */
  apiGroup(group: string): JsonObject | undefined {
    const versions = this.groups().get(group);
    return versions ? groupDoc(group, versions, true) : undefined;
  }

  /** GET /apis */
  apiGroupList(): JsonObject {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...this.groups()].map(([g, versions]) => groupDoc(g, versions, false)),
    };
  }

  /** GET /api/v1 or /apis/<group>/<version> */
  apiResourceList(group: string, version: string): JsonObject | undefined {
    const types = this.types.filter((t) => t.group === group && t.version === version);
    if (types.length === 0) return undefined;
    const resources: Json[] = [];
    for (const t of types) {
      const r: JsonObject = {
        name: t.plural,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: VERBS,
      };
      if (t.shortNames.length) r.shortNames = t.shortNames;
      if (t.categories.length) r.categories = t.categories;
      resources.push(r);
      if (t.statusSubresource) {
        resources.push({
          name: `${t.plural}/status`,
          singularName: '',
          namespaced: t.namespaced,
          kind: t.kind,
          verbs: ['get', 'patch', 'update'],
        });
      }
    }
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: apiVersionOf({ group, version }),
      resources,
    };
  }
}

function groupDoc(group: string, versions: string[], withKind: boolean): JsonObject {
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return {
    ...(withKind ? { kind: 'APIGroup', apiVersion: 'v1' } : {}),
    name: group,
    versions: vs,
    preferredVersion: vs[0] ?? null,
  };
}

function stringList(v: Json | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
