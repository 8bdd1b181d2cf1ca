import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

// Test-only access to the upstream Gateway API v1.6.1 CRDs and examples, vendored under k8s/gateway-api
// (k8s/gateway-api/README.md). This package's code never reads them.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const upstreamRoot = path.resolve(repoRoot, 'k8s/gateway-api');

export interface ExampleObject {
  file: string;
  kind: string;
  name: string;
  spec: unknown;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) return yamlFiles(full);
      return /\.ya?ml$/.test(entry) ? [full] : [];
    });
}

/** Every object in the upstream examples (multi-document YAML). */
export function loadExamples(): ExampleObject[] {
  const dir = path.join(upstreamRoot, 'examples');
  return yamlFiles(dir).flatMap((file) =>
    parseAllDocuments(readFileSync(file, 'utf8'))
      .map((doc) => doc.toJS() as { kind?: string; metadata?: { name?: string }; spec?: unknown } | null)
      .filter(
        (obj): obj is { kind: string; metadata?: { name?: string }; spec?: unknown } =>
          typeof obj?.kind === 'string',
      )
      .map((obj) => ({
        file: path.relative(dir, file),
        kind: obj.kind,
        name: obj.metadata?.name ?? '',
        spec: obj.spec,
      })),
  );
}

const CRD_FILES: Record<string, string> = {
  HTTPRoute: 'gateway.networking.k8s.io_httproutes.yaml',
  GRPCRoute: 'gateway.networking.k8s.io_grpcroutes.yaml',
  TCPRoute: 'gateway.networking.k8s.io_tcproutes.yaml',
  TLSRoute: 'gateway.networking.k8s.io_tlsroutes.yaml',
  UDPRoute: 'gateway.networking.k8s.io_udproutes.yaml',
  Gateway: 'gateway.networking.k8s.io_gateways.yaml',
  GatewayClass: 'gateway.networking.k8s.io_gatewayclasses.yaml',
  ReferenceGrant: 'gateway.networking.k8s.io_referencegrants.yaml',
  BackendTLSPolicy: 'gateway.networking.k8s.io_backendtlspolicies.yaml',
  ListenerSet: 'gateway.networking.k8s.io_listenersets.yaml',
};

type Schema = Record<string, unknown>;

/** The `spec` schema of a CRD version's openAPIV3Schema, as ajv-compatible JSON Schema. */
export function loadCrdSpecSchema(
  kind: string,
  channel: 'standard' | 'experimental' = 'standard',
  version = 'v1',
): Schema {
  return loadCrdSchema(kind, 'spec', channel, version);
}

/** One top-level part (`spec` or `status`) of a CRD version's openAPIV3Schema, as JSON Schema. */
export function loadCrdSchema(
  kind: string,
  part: 'spec' | 'status',
  channel: 'standard' | 'experimental' = 'standard',
  version = 'v1',
): Schema {
  const file = CRD_FILES[kind];
  if (!file) throw new Error(`no CRD for ${kind}`);
  const crd = parseAllDocuments(
    readFileSync(path.join(upstreamRoot, 'crd', channel, file), 'utf8'),
  )[0]?.toJS() as {
    spec: {
      versions: { name: string; schema: { openAPIV3Schema: { properties: Record<string, Schema> } } }[];
    };
  };
  const v = crd.spec.versions.find((x) => x.name === version);
  if (!v) throw new Error(`${kind} has no version ${version}`);
  const schema = v.schema.openAPIV3Schema.properties[part];
  if (!schema) throw new Error(`${kind} ${version} has no ${part}`);
  return toJsonSchema(schema);
}

/** OpenAPI v3 (structural) → JSON Schema: drop x-kubernetes-* keywords, turn `nullable` into a type union. */
function toJsonSchema(node: unknown): Schema {
  if (Array.isArray(node)) return node.map(toJsonSchema) as unknown as Schema;
  if (node === null || typeof node !== 'object') return node as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    // A string `description` is documentation; an object one is a property named "description" (GatewayClass).
    if (key.startsWith('x-kubernetes-') || (key === 'description' && typeof value === 'string')) continue;
    if (key === 'nullable') continue;
    out[key] = key === 'default' || key === 'enum' ? value : toJsonSchema(value);
  }
  const raw = node as Schema;
  if (raw.nullable === true && typeof raw.type === 'string') out.type = [raw.type, 'null'];
  return out;
}

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
  });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('ipv4', (s: string) => isIPv4(s));
  ajv.addFormat('ipv6', (s: string) => isIPv6(s));
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d{2}-\d{2}T/.test(s));
  return ajv;
}

const cache = new Map<string, ValidateFunction>();
const schemas = new Map<string, Schema>();

/**
 * Structural defaulting as the API server does it before validation (ajv's useDefaults runs too late:
 * the Gateway address `oneOf` must see the defaulted `type`).
 */
export function applyDefaults(schema: Schema, value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined;
    return items ? value.map((v) => applyDefaults(items, v)) : value;
  }
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  for (const [key, sub] of Object.entries(props)) {
    if (obj[key] === undefined && sub.default !== undefined) obj[key] = structuredClone(sub.default);
    if (obj[key] !== undefined) obj[key] = applyDefaults(sub, obj[key]);
  }
  const extra = schema.additionalProperties;
  if (extra && typeof extra === 'object') {
    for (const key of Object.keys(obj))
      if (!(key in props)) obj[key] = applyDefaults(extra as Schema, obj[key]);
  }
  return obj;
}

/** The upstream structural-schema validator (no CEL) for a kind's spec (or its status). */
export function upstreamValidator(
  kind: string,
  part: 'spec' | 'status' = 'spec',
): (value: unknown) => { ok: boolean; errors: string[] } {
  const key = `${kind}/${part}`;
  let validate = cache.get(key);
  if (!validate) {
    const schema = loadCrdSchema(kind, part);
    schemas.set(key, schema);
    validate = newAjv().compile(schema);
    cache.set(key, validate);
  }
  const fn = validate;
  return (value) => {
    const ok = fn(applyDefaults(schemas.get(key) ?? {}, structuredClone(value))) === true;
    return { ok, errors: (fn.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`) };
  };
}
