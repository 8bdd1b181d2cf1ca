import { isMap, isSeq, LineCounter, parseDocument, stringify, type Node } from 'yaml';

/**
 * Gateway API YAML ↔ the API's create/update bodies, and the API's field paths ↔ YAML lines, so the editor can
 * show each validation error beside the line it is about. Pure: no I/O, no React.
 */
export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';

export interface GatewayDraft {
  name: string;
  namespace: string;
  listeners: { name: string; port: number; protocol: string; hostname?: string }[];
}

export interface RouteDraft {
  kind: string;
  name: string;
  namespace: string;
  spec: Record<string, unknown>;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; line: number | null; message: string };

export function gatewayToYaml(d: GatewayDraft): string {
  return stringify({
    apiVersion: GATEWAY_API_VERSION,
    kind: 'Gateway',
    metadata: { name: d.name, namespace: d.namespace },
    spec: { listeners: d.listeners },
  });
}

export function routeToYaml(d: RouteDraft): string {
  return stringify({
    apiVersion: GATEWAY_API_VERSION,
    kind: d.kind,
    metadata: { name: d.name, namespace: d.namespace },
    spec: d.spec,
  });
}

interface Manifest {
  kind: string;
  name: string;
  namespace: string;
  spec: Record<string, unknown>;
}

/** A Kubernetes-style manifest: YAML syntax errors and a missing kind, name or spec are reported with a line. */
function parseManifest(text: string, kinds: readonly string[]): Parsed<Manifest> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const err = doc.errors[0];
  if (err) return { ok: false, line: lc.linePos(err.pos[0]).line, message: err.message.split('\n')[0]! };
  const root: unknown = doc.toJS();
  if (!root || typeof root !== 'object' || Array.isArray(root))
    return {
      ok: false,
      line: 1,
      message: 'the document must be a mapping (apiVersion, kind, metadata, spec)',
    };
  const o = root as Record<string, unknown>;
  const at = (path: (string | number)[]) => lineOf(text, path) ?? 1;
  if (typeof o.kind !== 'string' || !kinds.includes(o.kind))
    return { ok: false, line: at(['kind']), message: `kind must be one of ${kinds.join(', ')}` };
  const meta = (o.metadata ?? {}) as Record<string, unknown>;
  if (typeof meta.name !== 'string' || !meta.name)
    return { ok: false, line: at(['metadata']), message: 'metadata.name is required' };
  const spec = o.spec;
  if (!spec || typeof spec !== 'object' || Array.isArray(spec))
    return { ok: false, line: at(['spec']), message: 'spec must be a mapping' };
  return {
    ok: true,
    value: {
      kind: o.kind,
      name: meta.name,
      namespace: typeof meta.namespace === 'string' ? meta.namespace : 'default',
      spec: spec as Record<string, unknown>,
    },
  };
}

export function yamlToGateway(text: string): Parsed<GatewayDraft & { gatewayClassName?: string }> {
  const m = parseManifest(text, ['Gateway']);
  if (!m.ok) return m;
  const { listeners, gatewayClassName, ...rest } = m.value.spec;
  const extra = Object.keys(rest)[0];
  if (extra)
    return {
      ok: false,
      line: lineOf(text, ['spec', extra]),
      message: `spec.${extra}: not supported here (a gateway takes listeners and gatewayClassName)`,
    };
  return {
    ok: true,
    value: {
      name: m.value.name,
      namespace: m.value.namespace,
      listeners: listeners as GatewayDraft['listeners'],
      ...(typeof gatewayClassName === 'string' ? { gatewayClassName } : {}),
    },
  };
}

export function yamlToRoute(text: string, kinds: readonly string[]): Parsed<RouteDraft> {
  return parseManifest(text, kinds);
}

/** `spec.rules[0].backendRefs[1].port` → ['spec', 'rules', 0, 'backendRefs', 1, 'port']. */
export function splitPath(path: string | (string | number)[]): (string | number)[] {
  if (Array.isArray(path)) return path;
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([A-Za-z_$][\w$]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g))
    out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : JSON.parse(`"${m[3]!}"`)));
  return out;
}

/** Where an API issue lives in the manifest: body fields `name`/`namespace` are metadata, the rest is spec. */
export function manifestPath(apiPath: string | (string | number)[]): (string | number)[] {
  const p = splitPath(apiPath);
  if (p[0] === 'name' || p[0] === 'namespace') return ['metadata', ...p];
  if (p[0] === 'listeners' || p[0] === 'gatewayClassName') return ['spec', ...p];
  return p;
}

/** The 1-based line of the deepest node of `path` that the YAML has (a missing field points at its parent). */
export function lineOf(text: string, path: (string | number)[]): number | null {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  if (doc.errors.length) return null;
  let node: Node | null = doc.contents;
  let line: number | null = node?.range ? lc.linePos(node.range[0]).line : null;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((i) => (i.key as { value?: unknown } | null)?.value === seg);
      if (!pair) break;
      const key = pair.key as Node;
      if (key.range) line = lc.linePos(key.range[0]).line;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      if (item.range) line = lc.linePos(item.range[0]).line;
      node = item;
    } else break;
  }
  return line;
}
