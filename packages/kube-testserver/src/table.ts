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

type Step =
  | { field: string }
  | { index: number }
  | { all: true }
  | { filter: string[]; op: '==' | '!='; value: string };

/**
 * The JSONPath subset CRD printer columns use (k8s.io/client-go/util/jsonpath): `.a.b`, `['a.b']`, `[n]`,
 * `[*]` and `[?(@.x.y=="v")]` / `!=`; undefined for anything else (an empty cell, as a missing key is).
 */
function parseJsonPath(jsonPath: string): Step[] | undefined {
  let rest = jsonPath.trim().replace(/^\{/, '').replace(/\}$/, '');
  const steps: Step[] = [];
  while (rest) {
    let m: RegExpExecArray | null;
    if ((m = /^\.([A-Za-z0-9_-]+)/.exec(rest))) steps.push({ field: m[1]! });
    else if ((m = /^\['([^']*)'\]/.exec(rest))) steps.push({ field: m[1]! });
    else if ((m = /^\[(\d+)\]/.exec(rest))) steps.push({ index: Number(m[1]) });
    else if ((m = /^\[\*\]/.exec(rest))) steps.push({ all: true });
    else if ((m = /^\[\?\(@((?:\.[A-Za-z0-9_-]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)')\)\]/.exec(rest)))
      steps.push({
        filter: m[1]!.slice(1).split('.'),
        op: m[2] as '==' | '!=',
        value: m[3] ?? m[4] ?? '',
      });
    else return undefined;
    rest = rest.slice(m[0].length);
  }
  return steps;
}

function findResults(obj: Json, steps: Step[]): Json[] {
  let current: Json[] = [obj];
  for (const step of steps) {
    const next: Json[] = [];
    for (const v of current) {
      if ('field' in step) {
        if (isObject(v) && v[step.field] !== undefined) next.push(v[step.field]!);
      } else if ('index' in step) {
        if (Array.isArray(v) && step.index < v.length) next.push(v[step.index]!);
      } else if ('all' in step) {
        if (Array.isArray(v)) next.push(...v);
        else if (isObject(v)) next.push(...Object.values(v));
      } else if (Array.isArray(v)) {
        for (const item of v) {
          const got = isObject(item) ? getPath(item, step.filter.join('.')) : undefined;
          if (got === undefined) continue;
          const text = typeof got === 'string' ? got : JSON.stringify(got);
          if ((text === step.value) === (step.op === '==')) next.push(item);
        }
      }
    }
    current = next;
  }
  return current;
}

/** The first result only, as the apiextensions table convertor prints a column ("only one result"). */
function cell(obj: JsonObject, jsonPath: string): Json {
  const steps = parseJsonPath(jsonPath);
  const v = steps ? findResults(obj, steps)[0] : undefined;
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
