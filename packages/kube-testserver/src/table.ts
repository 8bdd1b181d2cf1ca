// meta.k8s.io/v1 Table responses, which `kubectl get` asks for (Accept: application/json;as=Table;...).
import { getPath, isObject, type Json, type JsonObject } from './json.js';
import type { ResourceType } from './resource-types.js';

export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

/** duration.HumanDuration as kubectl prints ages. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 || h >= 8 ? `${h}h` : `${h}h${m % 60}m`;
  const d = Math.floor(h / 24);
  return d < 365 * 2 ? `${d}d` : `${Math.floor(d / 365)}y`;
}

function cell(obj: JsonObject, jsonPath: string): Json {
  const path = jsonPath.replace(/^\{?\.?/, '').replace(/\}$/, '');
  const v = getPath(obj, path);
  if (v === undefined) return null;
  return isObject(v) || Array.isArray(v) ? JSON.stringify(v) : v;
}

export function toTable(
  type: ResourceType,
  objects: JsonObject[],
  listMeta: JsonObject,
  includeObject: string,
): JsonObject {
  const now = Date.now();
  const custom = type.printerColumns.filter((c) => c.name.toLowerCase() !== 'age');
  const columnDefinitions: Json[] = [
    {
      name: 'Name',
      type: 'string',
      format: 'name',
      description: 'Name must be unique within a namespace.',
      priority: 0,
    },
    ...custom.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
    })),
    {
      name: 'Age',
      type: 'date',
      format: '',
      description:
        'CreationTimestamp is a timestamp representing the server time when this object was created.',
      priority: 0,
    },
  ];
  const rows = objects.map((o) => {
    const m = isObject(o.metadata) ? o.metadata : {};
    const created = typeof m.creationTimestamp === 'string' ? Date.parse(m.creationTimestamp) : now;
    const row: JsonObject = {
      cells: [
        typeof m.name === 'string' ? m.name : '',
        ...custom.map((c) => cell(o, c.jsonPath)),
        humanDuration(now - created),
      ],
    };
    if (includeObject === 'Object') row.object = o;
    else if (includeObject !== 'None')
      row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: m };
    return row;
  });
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: listMeta, columnDefinitions, rows };
}
