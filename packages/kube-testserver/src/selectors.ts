// Label and field selectors with the grammar of k8s.io/apimachinery/pkg/labels and pkg/fields.
import { getPath, isObject, type JsonObject } from './json.js';
import { badRequest } from './status.js';

export type Selector = (obj: JsonObject) => boolean;

const matchAll: Selector = () => true;

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function labelsOf(obj: JsonObject): Record<string, string> {
  const meta = obj.metadata;
  const labels = isObject(meta) ? meta.labels : undefined;
  const out: Record<string, string> = {};
  if (isObject(labels)) for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function parseLabelSelector(selector: string | undefined): Selector {
  if (!selector || !selector.trim()) return matchAll;
  const reqs: Selector[] = splitTopLevel(selector).map((req) => {
    let m = /^([\w./-]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(req);
    if (m) {
      const key = m[1] as string;
      const values = (m[3] as string)
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
      return m[2] === 'in'
        ? (o) => {
            const v = labelsOf(o)[key];
            return v !== undefined && values.includes(v);
          }
        : (o) => {
            const v = labelsOf(o)[key];
            return v === undefined || !values.includes(v);
          };
    }
    m = /^([\w./-]+)\s*(==|=|!=|>|<)\s*([\w.-]*)$/.exec(req);
    if (m) {
      const key = m[1] as string;
      const op = m[2] as string;
      const value = m[3] as string;
      if (op === '!=') return (o) => labelsOf(o)[key] !== value;
      if (op === '>' || op === '<') {
        const n = Number(value);
        return (o) => {
          const v = labelsOf(o)[key];
          return v !== undefined && (op === '>' ? Number(v) > n : Number(v) < n);
        };
      }
      return (o) => labelsOf(o)[key] === value;
    }
    m = /^(!?)\s*([\w./-]+)$/.exec(req);
    if (m) {
      const key = m[2] as string;
      return m[1] ? (o) => !(key in labelsOf(o)) : (o) => key in labelsOf(o);
    }
    throw badRequest(`unable to parse requirement: found '${req}', expected: in, notin, =, ==, !=, gt, lt`);
  });
  return (o) => reqs.every((r) => r(o));
}

/** `metadata.name=x,metadata.namespace!=y`; labels outside `supported` are refused like the real server does. */
export function parseFieldSelector(selector: string | undefined, supported: string[]): Selector {
  if (!selector || !selector.trim()) return matchAll;
  const reqs: Selector[] = splitTopLevel(selector).map((req) => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(req);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${req}'`);
    const field = (m[1] as string).trim();
    const op = m[2] as string;
    const value = (m[3] as string).trim();
    if (!supported.includes(field)) throw badRequest(`field label not supported: ${field}`);
    return (o) => {
      const raw = getPath(o, field);
      const actual =
        raw === undefined || raw === null ? '' : typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
      return op === '!=' ? actual !== value : actual === value;
    };
  });
  return (o) => reqs.every((r) => r(o));
}
