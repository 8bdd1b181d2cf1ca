import { createHash } from 'node:crypto';
import type pg from 'pg';
import { validateResource } from '@epic/envoy-proto';
import {
  ConditionType,
  Reason,
  Secret,
  canonicalize,
  translate,
  type BackendTlsPolicyInput,
  type CertificateInput,
  type EnvoyResources,
  type EndpointInput,
  type ListenerSetInput,
  type RouteInput,
  type ServiceInput,
  type TemplateFragments,
  type TranslateInput,
  type TranslateStatus,
} from '@epic/gateway-translator';
import { TEMPLATE_PARAMETERS } from '../modules/common.js';
import { agreedLabels } from '../modules/namespaces.js';

/**
 * Store → translator input → Envoy resources for one gateway, read in the reconciler's transaction.
 * Private keys never enter a revision in clear: the translator is given the sealed (encrypted) key, and the
 * xDS publisher unseals it when it builds a proxy's snapshot (lib/secret-box.ts).
 */
export const SEALED_PREFIX = 'sealed:';

interface GatewayRow {
  id: string;
  accountId: string;
  accountName: string;
  name: string;
  namespace: string;
  address: string | null;
  listeners: TranslateInput['gateway']['listeners'];
  generation: number;
  envoyFragments: TemplateFragments | null;
  addresses: unknown[] | null;
  addressOutcomes: NonNullable<TranslateInput['gateway']['addresses']>;
  tls: TranslateInput['gateway']['tls'] | null;
  allowedListeners: TranslateInput['gateway']['allowedListeners'] | null;
  /** `spec.infrastructure.parametersRef`, as stored. */
  parametersRef: { group?: string; kind?: string; name?: string } | null;
  templateName: string;
}

/**
 * Why a Gateway's `spec.infrastructure.parametersRef` does not resolve (GEP-1867: Accepted=False/InvalidParameters),
 * or undefined. It may name only the template the gateway is built from: a gateway's template is chosen when it is
 * created.
 */
export function invalidParameters(
  ref: GatewayRow['parametersRef'],
  templateName: string,
): string | undefined {
  if (ref === null) return undefined;
  const where = 'spec.infrastructure.parametersRef';
  if (ref.group !== TEMPLATE_PARAMETERS.group || ref.kind !== TEMPLATE_PARAMETERS.kind)
    return `${where}: EPIC resolves only ${TEMPLATE_PARAMETERS.group}/${TEMPLATE_PARAMETERS.kind}, not ${ref.group ?? ''}/${ref.kind ?? ''}`;
  if (ref.name !== templateName)
    return `${where}: template ${JSON.stringify(ref.name)} is not the one the gateway is built from (${JSON.stringify(templateName)}); a gateway's template is chosen when it is created`;
  return undefined;
}

interface BackendRefLike {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
}

/** Every Service a route may send traffic to (backendRefs and mirrors, at rule and backend level). */
function referencedServices(routes: RouteInput[]): Array<[string, string]> {
  const out = new Map<string, [string, string]>();
  const visit = (ns: string, ref: BackendRefLike | undefined) => {
    if (!ref || (ref.group ?? '') !== '' || (ref.kind ?? 'Service') !== 'Service') return;
    const key = `${ref.namespace ?? ns}/${ref.name}`;
    out.set(key, [ref.namespace ?? ns, ref.name]);
  };
  type Filter = { requestMirror?: { backendRef?: BackendRefLike } };
  type Rule = { backendRefs?: Array<BackendRefLike & { filters?: Filter[] }>; filters?: Filter[] };
  for (const r of routes) {
    for (const rule of (r.spec as { rules?: Rule[] }).rules ?? []) {
      for (const f of rule.filters ?? []) visit(r.namespace, f.requestMirror?.backendRef);
      for (const b of rule.backendRefs ?? []) {
        visit(r.namespace, b);
        for (const f of b.filters ?? []) visit(r.namespace, f.requestMirror?.backendRef);
      }
    }
  }
  return [...out.values()];
}

/**
 * Everything a gateway's render reads, in one statement (one round trip instead of seven): the gateway, its
 * routes, the account's ReferenceGrants, the Services and EndpointSlices the routes may send to, the listeners'
 * certificates, the frontend-validation CA bundles and the namespaces' labels. The Services, slices and
 * namespaces are selected by every backendRef-like object anywhere in a route's spec (a superset of what
 * `referencedServices` visits); the assembly below picks exactly the references it visits, in its order.
 */
const LOAD_INPUT = `
WITH gw AS (
  SELECT g.id, g."accountId", a.name AS "accountName", g.name, g.namespace, g.address, g.listeners, g.generation,
         t."envoyFragments", g.addresses, g."addressOutcomes", g.tls, g."allowedListeners",
         g.infrastructure->'parametersRef' AS "parametersRef", t.name AS "templateName",
         g.conditions, g."listenerStatus", g."attachedListenerSets", g."observedGeneration"
  FROM "Gateway" g JOIN "Account" a ON a.id = g."accountId" JOIN "Template" t ON t.id = g."templateId"
  WHERE g.id = $1::uuid),
rt AS (
  SELECT r.id, r.kind, r.namespace, r.name, r.generation, r.spec, r."createdAt", r.status,
    (SELECT array_agg(rp."refIndex" ORDER BY rp."refIndex") FROM "RouteParent" rp
     WHERE rp."routeId" = r.id AND rp."gatewayId" = $1::uuid) AS "parentRefIndexes"
  FROM "Route" r
  WHERE r.id IN (SELECT "routeId" FROM "RouteParent" WHERE "gatewayId" = $1::uuid)),
refs AS (
  SELECT DISTINCT COALESCE(q.b->>'namespace', rt.namespace) AS namespace, q.b->>'name' AS name
  FROM rt CROSS JOIN LATERAL (
    SELECT jsonb_path_query(rt.spec, 'lax $.**.backendRefs[*]') UNION ALL
    SELECT jsonb_path_query(rt.spec, 'lax $.**.backendRef')) AS q(b)
  WHERE jsonb_typeof(q.b) = 'object' AND q.b->>'name' IS NOT NULL),
lsets AS (
  SELECT ls.id, ls.namespace, ls.name, ls.generation, ls.spec, COALESCE(ls."creationTimestamp", ls."createdAt") AS created
  FROM "ListenerSet" ls, gw WHERE ls."accountId" = gw."accountId"
    AND COALESCE(ls.spec->'parentRef'->>'group', 'gateway.networking.k8s.io') = 'gateway.networking.k8s.io'
    AND COALESCE(ls.spec->'parentRef'->>'kind', 'Gateway') = 'Gateway'
    AND EXISTS (SELECT 1 FROM "GatewayClient" c WHERE c."gatewayId" = gw.id
      AND c."clusterId" IS NOT DISTINCT FROM ls."clusterId"
      AND c.namespace = COALESCE(ls.spec->'parentRef'->>'namespace', ls.namespace) AND c.name = ls.spec->'parentRef'->>'name')),
certrefs AS (
  SELECT COALESCE(x->>'namespace', gw.namespace) AS namespace, x->>'name' AS name
  FROM gw CROSS JOIN LATERAL (
    SELECT jsonb_path_query(gw.listeners, 'lax $[*].tls.certificateRefs[*]') UNION ALL
    SELECT jsonb_path_query(gw.tls, 'lax $.backend.clientCertificateRef')) AS q(x)
  UNION ALL
  SELECT COALESCE(x->>'namespace', lsets.namespace), x->>'name'
  FROM lsets CROSS JOIN LATERAL jsonb_path_query(lsets.spec, 'lax $.listeners[*].tls.certificateRefs[*]') AS x),
pol AS (
  SELECT p.id, p.namespace, p.name, p.generation, p.spec, COALESCE(p."creationTimestamp", p."createdAt") AS created
  FROM "BackendTlsPolicy" p, gw WHERE p."accountId" = gw."accountId" AND p.namespace IN (SELECT namespace FROM refs)),
carefs AS (
  SELECT COALESCE(x->>'namespace', gw.namespace) AS namespace, x->>'name' AS name
  FROM gw CROSS JOIN LATERAL (
    SELECT jsonb_path_query(gw.tls, 'lax $.frontend.default.validation.caCertificateRefs[*]') UNION ALL
    SELECT jsonb_path_query(gw.tls, 'lax $.frontend.perPort[*].tls.validation.caCertificateRefs[*]')) AS q(x)
  UNION ALL
  SELECT pol.namespace, x->>'name' FROM pol CROSS JOIN LATERAL jsonb_path_query(pol.spec, 'lax $.validation.caCertificateRefs[*]') AS x)
SELECT gw.*,
  (SELECT row_to_json(x) FROM (SELECT version, hash, "inputHash", status, error, "typeVersions" FROM "ConfigRevision"
     WHERE "gatewayId" = $1::uuid ORDER BY version DESC LIMIT 1) x) AS "latestRevision",
  (SELECT row_to_json(x) FROM (SELECT version, hash, "inputHash", status, error FROM "ConfigRevision"
     WHERE "gatewayId" = $1::uuid AND status <> 'tainted' ORDER BY version DESC LIMIT 1) x) AS "servingRevision",
  (SELECT COALESCE(json_agg(rt ORDER BY rt.id), '[]') FROM rt) AS routes,
  (SELECT COALESCE(json_agg(json_build_object('namespace', c.namespace, 'name', c.name) ORDER BY c.namespace, c.name), '[]')
     FROM (SELECT DISTINCT namespace, name FROM "GatewayClient"
           WHERE "gatewayId" = gw.id AND (namespace, name) <> (gw.namespace, gw.name)) c) AS aliases,
  (SELECT COALESCE(json_agg(json_build_object('namespace', r.namespace, 'spec', r.spec) ORDER BY r.namespace, r.name, r.id), '[]')
     FROM "ReferenceGrant" r WHERE r."accountId" = gw."accountId") AS grants,
  (SELECT COALESCE(json_agg(json_build_object('namespace', s.namespace, 'name', s.name, 'ports', s.ports) ORDER BY s.namespace, s.name, s.id), '[]')
     FROM "Service" s WHERE s."accountId" = gw."accountId" AND (s.namespace, s.name) IN (SELECT namespace, name FROM refs)) AS services,
  (SELECT COALESCE(json_agg(json_build_object('namespace', e.namespace, 'serviceName', e."serviceName", 'ports', e.ports, 'endpoints', e.endpoints)
            ORDER BY e.namespace, e."serviceName", e.id), '[]')
     FROM "EndpointSlice" e WHERE e."accountId" = gw."accountId" AND (e.namespace, e."serviceName") IN (SELECT namespace, name FROM refs)) AS slices,
  (SELECT COALESCE(json_agg(json_build_object('id', c.id, 'namespace', c.namespace, 'name', c.name, 'certificate', c.certificate,
            'encryptedKey', c."encryptedKey") ORDER BY c.id), '[]')
     FROM "Certificate" c WHERE c."accountId" = gw."accountId" AND (c.namespace, c.name) IN (SELECT namespace, name FROM certrefs)) AS certificates,
  (SELECT COALESCE(json_agg(json_build_object('kind', x.kind, 'namespace', x.namespace, 'name', x.name, 'ca', x.ca)
            ORDER BY x.kind, x.namespace, x.name), '[]') FROM (
     SELECT DISTINCT ON (kind, namespace, name) kind, namespace, name, "caCertificate" AS ca FROM "CaBundle" b
     WHERE b."accountId" = gw."accountId" AND (b.namespace, b.name) IN (SELECT namespace, name FROM carefs)
     ORDER BY kind, namespace, name, "createdAt", id) x) AS "caBundles",
  (SELECT COALESCE(json_agg(json_build_object('id', pol.id, 'namespace', pol.namespace, 'name', pol.name,
            'generation', pol.generation, 'spec', pol.spec, 'created', pol.created) ORDER BY pol.namespace, pol.name, pol.id), '[]')
     FROM pol) AS policies,
  (SELECT COALESCE(json_agg(json_build_object('id', lsets.id, 'namespace', lsets.namespace, 'name', lsets.name,
            'generation', lsets.generation, 'spec', lsets.spec, 'created', lsets.created) ORDER BY lsets.namespace, lsets.name, lsets.id), '[]')
     FROM lsets) AS "listenerSets",
  (SELECT COALESCE(json_agg(json_build_object('id', p.id, 'status', p.status)), '[]')
     FROM "BackendTlsPolicy" p WHERE p."accountId" = gw."accountId"
       AND (p.id IN (SELECT id FROM pol) OR p.status->'ancestors' @> jsonb_build_array(jsonb_build_object('gatewayId', gw.id::text)))) AS "policyStatus",
  (SELECT COALESCE(json_agg(json_build_object('id', l.id, 'status', l.status)), '[]')
     FROM "ListenerSet" l WHERE l."accountId" = gw."accountId"
       AND (l.id IN (SELECT id FROM lsets) OR l.status->>'gatewayId' = gw.id::text)) AS "listenerSetStatus",
  (SELECT COALESCE(json_agg(json_build_object('name', n.name, 'labels', n.labels) ORDER BY n.name, n.id), '[]')
     FROM "Namespace" n WHERE n."accountId" = gw."accountId"
       AND n.name IN (SELECT gw.namespace UNION SELECT namespace FROM rt UNION SELECT namespace FROM refs
                      UNION SELECT namespace FROM lsets)) AS namespaces
FROM gw`;

/**
 * What the reconcile's revision and status decisions read, in the same statement: the newest revision, the
 * newest one not tainted, and the gateway's stored status (as JSON rows; the reconciler gives them their types).
 */
export interface StoredState {
  latestRevision: unknown;
  servingRevision: unknown;
  conditions: unknown;
  listenerStatus: unknown;
  attachedListenerSets: number | null;
  observedGeneration: number;
}

/**
 * The stored status of what the reconcile writes status on, read with the input (the writes are conditional on
 * it, so a status another gateway's reconcile changed since is read again there): each route's, and that of
 * the BackendTLSPolicies and ListenerSets the gateway's input has or whose status names the gateway.
 */
export interface StoredStatuses {
  routes: ReadonlyMap<string, unknown>;
  policies: Array<{ id: string; status: unknown }>;
  listenerSets: Array<{ id: string; status: unknown }>;
}

interface LoadedRow extends GatewayRow, StoredState {
  routes: Array<{
    id: string;
    kind: RouteInput['kind'];
    namespace: string;
    name: string;
    generation: number;
    spec: RouteInput['spec'];
    /** `timestamp(3)` as JSON (no zone): read as local time, like pg reads the column. */
    createdAt: string;
    /** The parentRefs that resolved to this gateway (RouteParent.refIndex). */
    parentRefIndexes: number[];
    status: unknown;
  }>;
  policyStatus: StoredStatuses['policies'];
  listenerSetStatus: StoredStatuses['listenerSets'];
  /** The names the gateway's other clients give it (a shared gateway). */
  aliases: Array<{ namespace: string; name: string }>;
  grants: Array<{ namespace: string; spec: TranslateInput['referenceGrants'][number]['spec'] }>;
  services: Array<{ namespace: string; name: string; ports: ServiceInput['ports'] }>;
  slices: Array<{
    namespace: string;
    serviceName: string;
    ports: Array<{ name?: string; port: number; protocol?: string; appProtocol?: string }>;
    endpoints: Array<{
      addresses: string[];
      conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
      nodeName?: string;
    }>;
  }>;
  certificates: Array<{
    id: string;
    namespace: string;
    name: string;
    certificate: string;
    encryptedKey: string;
  }>;
  caBundles: Array<{ kind: 'ConfigMap' | 'Secret'; namespace: string; name: string; ca: string | null }>;
  namespaces: Array<{ name: string; labels: unknown }>;
  /** BackendTLSPolicies of the namespaces the routes' backendRefs may name; `created` as `createdAt` above. */
  policies: Array<{
    id: string;
    namespace: string;
    name: string;
    generation: number;
    spec: BackendTlsPolicyInput['spec'];
    created: string;
  }>;
  /** ListenerSets whose parentRef names one of the gateway's client objects (same cluster, namespace, name). */
  listenerSets: Array<{
    id: string;
    namespace: string;
    name: string;
    generation: number;
    spec: ListenerSetInput['spec'];
    created: string;
  }>;
}

export async function loadTranslateInput(
  c: pg.ClientBase,
  gatewayId: string,
): Promise<
  { input: TranslateInput; accountName: string; state: StoredState; statuses: StoredStatuses } | undefined
> {
  const gw = (await c.query<LoadedRow>(LOAD_INPUT, [gatewayId])).rows[0];
  if (!gw) return undefined;
  const routes = gw.routes.map(
    (r) =>
      ({
        id: r.id,
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        generation: r.generation,
        spec: r.spec,
        creationTimestamp: new Date(r.createdAt).toISOString(),
        parentRefIndexes: r.parentRefIndexes,
      }) as RouteInput,
  );
  const grants = gw.grants;
  const refs = referencedServices(routes);
  const nss = refs.map(([ns]) => ns);
  const svcRows = gw.services;
  const sliceRows = gw.slices;
  const services: ServiceInput[] = [];
  for (const [namespace, name] of refs) {
    const own = svcRows.filter((s) => s.namespace === namespace && s.name === name);
    const slices = sliceRows.filter((s) => s.namespace === namespace && s.serviceName === name);
    if (own.length === 0 && slices.length === 0) continue;
    const ports = new Map<string, ServiceInput['ports'][number]>();
    // Without a Service object (static endpoints, or a slice that arrived first), the slice's ports are the
    // Service's ports one to one.
    for (const p of own.length
      ? own.flatMap((s) => s.ports)
      : slices.flatMap((s) => s.ports.map((sp) => ({ ...sp, targetPort: sp.port })))) {
      ports.set(`${p.name ?? ''}/${p.port}`, p);
    }
    const endpoints: EndpointInput[] = [];
    for (const s of slices) {
      for (const e of s.endpoints) {
        for (const address of e.addresses) {
          for (const p of s.ports) {
            endpoints.push({
              address,
              port: p.port,
              ready: e.conditions?.ready ?? true,
              ...(e.conditions?.serving !== undefined ? { serving: e.conditions.serving } : {}),
              ...(e.conditions?.terminating !== undefined ? { terminating: e.conditions.terminating } : {}),
              ...(e.nodeName ? { node: e.nodeName } : {}),
              ...(p.name ? { portName: p.name } : {}),
            });
          }
        }
      }
    }
    services.push({ namespace, name, ports: [...ports.values()], endpoints });
  }
  const certificates: CertificateInput[] = gw.certificates.map((r) => ({
    id: r.id,
    namespace: r.namespace,
    name: r.name,
    certificatePem: r.certificate,
    privateKey: new Secret(SEALED_PREFIX + r.encryptedKey),
  }));
  // BackendTLSPolicies in the namespaces of the Services the routes use (docs/adr/0460-backend-tls-policy.md).
  const policyNamespaces = new Set(nss);
  const backendTlsPolicies: BackendTlsPolicyInput[] = gw.policies
    .filter((p) => policyNamespaces.has(p.namespace))
    .map((p) => ({
      id: p.id,
      namespace: p.namespace,
      name: p.name,
      generation: p.generation,
      creationTimestamp: new Date(p.created).toISOString(),
      spec: p.spec,
    }));
  // CA bundles that spec.tls.frontend validation and those policies name: same-named objects of several clusters
  // are one (the oldest).
  const frontend = gw.tls?.frontend;
  const caRefs = new Set([
    ...[
      ...(frontend?.default?.validation?.caCertificateRefs ?? []),
      ...(frontend?.perPort ?? []).flatMap((p) => p.tls.validation?.caCertificateRefs ?? []),
    ].map((r) => `${r.namespace ?? gw.namespace}/${r.name}`),
    ...backendTlsPolicies.flatMap((p) =>
      (p.spec.validation.caCertificateRefs ?? []).map((r) => `${p.namespace}/${r.name}`),
    ),
  ]);
  const caBundles = gw.caBundles
    .filter((r) => caRefs.has(`${r.namespace}/${r.name}`))
    .map((r) => ({
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      ...(r.ca !== null ? { caCertificatePem: r.ca } : {}),
    }));
  // ListenerSets attached to this gateway (GEP-1713, docs/adr/0463-listener-sets-api.md).
  const listenerSets: ListenerSetInput[] = gw.listenerSets.map((l) => ({
    id: l.id,
    namespace: l.namespace,
    name: l.name,
    generation: l.generation,
    creationTimestamp: new Date(l.created).toISOString(),
    spec: l.spec,
  }));
  const namespaceNames = [
    ...new Set([
      gw.namespace,
      ...routes.map((r) => r.namespace),
      ...nss,
      ...listenerSets.map((l) => l.namespace),
    ]),
  ].sort();
  const labels = agreedLabels(gw.namespaces);
  const invalid = invalidParameters(gw.parametersRef, gw.templateName);
  return {
    accountName: gw.accountName,
    statuses: {
      routes: new Map(gw.routes.map((r) => [r.id, r.status])),
      policies: gw.policyStatus,
      listenerSets: gw.listenerSetStatus,
    },
    state: {
      latestRevision: gw.latestRevision,
      servingRevision: gw.servingRevision,
      conditions: gw.conditions,
      listenerStatus: gw.listenerStatus,
      attachedListenerSets: gw.attachedListenerSets,
      observedGeneration: gw.observedGeneration,
    },
    input: {
      gateway: {
        id: gw.id,
        accountId: gw.accountId,
        name: gw.name,
        namespace: gw.namespace,
        address: gw.address ?? '0.0.0.0',
        listeners: gw.listeners,
        generation: gw.generation,
        // What address management made of spec.addresses (modules/gateway-addresses.ts).
        ...(gw.addresses !== null ? { addresses: gw.addressOutcomes } : {}),
        ...(gw.tls !== null ? { tls: gw.tls } : {}),
        ...(gw.allowedListeners !== null ? { allowedListeners: gw.allowedListeners } : {}),
        ...(gw.aliases.length > 0 ? { aliases: gw.aliases } : {}),
        ...(invalid !== undefined ? { invalidParameters: invalid } : {}),
      },
      routes,
      referenceGrants: grants,
      services,
      certificates,
      namespaces: namespaceNames.map((name) => ({ name, labels: labels.get(name) ?? {} })),
      ...(caBundles.length > 0 ? { caBundles } : {}),
      ...(backendTlsPolicies.length > 0 ? { backendTlsPolicies } : {}),
      ...(listenerSets.length > 0 ? { listenerSets } : {}),
      ...(gw.envoyFragments && Object.keys(gw.envoyFragments).length ? { fragments: gw.envoyFragments } : {}),
    },
  };
}

export interface Rendered {
  status: TranslateStatus;
  /** Present when the IR validated; each resource then also validated against Envoy's protos unless `error`. */
  resources?: EnvoyResources;
  /** Why this render must not be served (IR or proto validation), naming the resource and field. */
  error?: string;
  /** Hash of the translator input: a revision is created only when the inputs changed (rollbacks stick). */
  inputHash: string;
  /** Hash of the rendered resources (of their per-type hashes). */
  hash: string;
  /** Per xDS type, the hash of its resources (what typeVersionsOf compares across revisions). */
  typeHashes?: Record<string, string>;
}

export function sha256(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonicalize(value as never)))
    .digest('hex');
}

const ROUTE_CONFIGURATION = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const VIRTUAL_HOST = 'type.googleapis.com/envoy.config.route.v3.VirtualHost';

const digest = (text: string): string => createHash('sha256').update(text).digest('base64url');

/**
 * A resource's content hash, computed once per render and used three ways: the key of its validation, the
 * per-type hash, and the revision hash. A RouteConfiguration is hashed (and validated) per virtual host, so a
 * change of one route of a 1,000-route gateway serialises and validates one virtual host, not all of them.
 * The same content always gives the same hash, whatever its key order (revisions read back from jsonb).
 */
interface HashedResource {
  hash: string;
  /** The parts validated on their own: (type, hash, content, path prefix of their errors). */
  parts: Array<{ typeUrl: string; hash: string; value: unknown; prefix: string }>;
}

function hashResource(typeUrl: string, resource: object): HashedResource {
  const virtualHosts = (resource as { virtualHosts?: unknown }).virtualHosts;
  if (typeUrl !== ROUTE_CONFIGURATION || !Array.isArray(virtualHosts)) {
    const hash = digest(JSON.stringify(canonicalize(resource as never)));
    return { hash, parts: [{ typeUrl, hash, value: resource, prefix: '' }] };
  }
  const { virtualHosts: _vhosts, ...shell } = resource as { virtualHosts: unknown[] };
  const shellHash = digest(JSON.stringify(canonicalize(shell as never)));
  const parts = [{ typeUrl, hash: shellHash, value: shell as unknown, prefix: '' }];
  virtualHosts.forEach((vh, i) =>
    parts.push({
      typeUrl: VIRTUAL_HOST,
      hash: digest(JSON.stringify(canonicalize(vh as never))),
      value: vh,
      prefix: `virtual_hosts[${i}]`,
    }),
  );
  return { hash: digest(`rc\n${parts.map((p) => p.hash).join('\n')}`), parts };
}

/** Per xDS type: the hash of its resources (names and content hashes, in the translator's sorted order). */
export function typeHashesOf(
  resources: EnvoyResources | undefined,
  hashes?: ReadonlyMap<object, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const group of Object.values(resources ?? {}) as EnvoyResources[keyof EnvoyResources][]) {
    const typeUrl = group[0]?.typeUrl;
    if (!typeUrl) continue;
    out[typeUrl] = digest(
      group
        .map(
          (r) =>
            `${r.name}\n${hashes?.get(r.resource) ?? hashResource(r.typeUrl, r.resource as object).hash}`,
        )
        .join('\n'),
    );
  }
  return out;
}

const revisionHashOf = (typeHashes: Record<string, string>): string =>
  createHash('sha256')
    .update(
      Object.keys(typeHashes)
        .sort()
        .map((t) => `${t}=${typeHashes[t]}`)
        .join('\n'),
    )
    .digest('hex');

/**
 * Content that already passed validation in this process, by content hash (shared by every gateway of the
 * fleet): a change re-renders the whole gateway, but only what changed needs Envoy's schema again.
 */
const validated = new Set<string>();
const VALIDATED_MAX = 200_000;

function validateOnce(
  typeUrl: string,
  hash: string,
  value: unknown,
): { ok: boolean; errors: Array<{ path: string; message: string }> } {
  const key = `${typeUrl} ${hash}`;
  if (validated.has(key)) return { ok: true, errors: [] };
  const v = validateResource(typeUrl, value);
  if (v.ok) {
    if (validated.size >= VALIDATED_MAX) validated.delete(validated.values().next().value as string);
    validated.add(key);
  }
  return v;
}

/** Validates a resource part by part; errors carry the resource's own proto paths. */
function validateHashed(h: HashedResource): {
  ok: boolean;
  errors: Array<{ path: string; message: string }>;
} {
  const errors: Array<{ path: string; message: string }> = [];
  for (const part of h.parts) {
    const v = validateOnce(part.typeUrl, part.hash, part.value);
    if (v.ok) continue;
    for (const e of v.errors)
      errors.push({
        path: part.prefix ? (e.path ? `${part.prefix}.${e.path}` : part.prefix) : e.path,
        message: e.message,
      });
  }
  return { ok: errors.length === 0, errors };
}

interface Attempt {
  status: TranslateStatus;
  resources?: EnvoyResources;
  error?: string;
  /** Proto validation errors inside a RouteConfiguration's routes, by the Envoy route's name. */
  routeProblems: Map<string, string>;
  /** Each resource's content hash (by the resource object). */
  hashes: Map<object, string>;
}

const ROUTE_PATH = /^virtual_?[hH]osts\[(\d+)\]\.routes\[(\d+)\]/;

function attempt(input: TranslateInput): Attempt {
  const result = translate(input);
  if (!result.resources) {
    const error = `invalid configuration: ${result.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
    return { status: result.status, error, routeProblems: new Map(), hashes: new Map() };
  }
  const problems: string[] = [];
  const routeProblems = new Map<string, string>();
  const all = [
    ...result.resources.listeners,
    ...result.resources.routes,
    ...result.resources.clusters,
    ...result.resources.endpoints,
    ...result.resources.secrets,
  ];
  const hashes = new Map<object, string>();
  for (const r of all) {
    const h = hashResource(r.typeUrl, r.resource as object);
    hashes.set(r.resource, h.hash);
    const v = validateHashed(h);
    if (v.ok) continue;
    const kind = r.typeUrl.slice(r.typeUrl.lastIndexOf('.') + 1);
    problems.push(
      ...v.errors.slice(0, 3).map((e) => `${kind} ${JSON.stringify(r.name)}: ${e.path}: ${e.message}`),
    );
    if (kind !== 'RouteConfiguration') continue;
    const vhosts = (r.resource as { virtualHosts?: Array<{ routes?: Array<{ name?: string }> }> })
      .virtualHosts;
    for (const e of v.errors) {
      const m = ROUTE_PATH.exec(e.path);
      const name = m ? vhosts?.[Number(m[1])]?.routes?.[Number(m[2])]?.name : undefined;
      if (name !== undefined && !routeProblems.has(name))
        routeProblems.set(name, `${e.path.replace(ROUTE_PATH, 'route')}: ${e.message}`);
    }
  }
  return {
    status: result.status,
    resources: result.resources,
    routeProblems,
    hashes,
    ...(problems.length ? { error: `rejected by Envoy's schema: ${problems.slice(0, 10).join('; ')}` } : {}),
  };
}

/** The route an Envoy route was rendered from: its name is `<kind>/<namespace>/<name>/rule/<i>/match/<j>`. */
function sourceRoute(routes: readonly RouteInput[], envoyRouteName: string): RouteInput | undefined {
  const [kind, namespace, name] = envoyRouteName.split('/');
  return routes.find((r) => r.kind.toLowerCase() === kind && r.namespace === namespace && r.name === name);
}

/**
 * Renders the gateway. When Envoy's schema rejects routes of a RouteConfiguration (which would make a proxy
 * refuse the whole configuration and freeze the gateway), those routes are refused on their own status
 * (Accepted=False, UnsupportedValue, naming the field) and the gateway is rendered without them; only what
 * no single route explains taints the revision.
 */
/** The hash of everything the translator reads (private keys as their sealed form): `Rendered.inputHash`. */
export function inputHashOf(input: TranslateInput): string {
  return sha256({
    ...input,
    certificates: input.certificates.map((c) => ({ ...c, privateKey: c.privateKey.reveal() })),
  });
}

/**
 * The last render of each recently reconciled gateway. The translator is pure, so an input of the same hash
 * renders to the same resources and status: the reconcile an ACK (or a provisioner, or a resync) triggers
 * re-reads the store, finds the input unchanged and takes its render from here instead of translating and
 * hashing again. Served only for the same input hash, so a stale entry is never used; per process, bounded.
 */
const lastRenders = new Map<string, Rendered>();
const LAST_RENDERS_MAX = 256;

/** `render(input)` for the gateway's current input, reusing its last render when the input is the same. */
export function renderGateway(gatewayId: string, input: TranslateInput): Rendered {
  const inputHash = inputHashOf(input);
  const last = lastRenders.get(gatewayId);
  const rendered = last !== undefined && last.inputHash === inputHash ? last : render(input, inputHash);
  // Most recently used last: the first key is the one to drop.
  lastRenders.delete(gatewayId);
  lastRenders.set(gatewayId, rendered);
  if (lastRenders.size > LAST_RENDERS_MAX) lastRenders.delete(lastRenders.keys().next().value as string);
  return rendered;
}

export function render(input: TranslateInput, inputHash: string = inputHashOf(input)): Rendered {
  const refused = new Map<string, { route: RouteInput; message: string }>();
  let routes = input.routes;
  let result = attempt(input);
  // Each pass drops at least one route, so this ends; it normally takes one.
  while (result.error !== undefined && result.routeProblems.size > 0) {
    for (const [envoyName, message] of result.routeProblems) {
      const route = sourceRoute(routes, envoyName);
      if (route && !refused.has(route.id)) refused.set(route.id, { route, message });
    }
    const kept = routes.filter((r) => !refused.has(r.id));
    if (kept.length === routes.length) break;
    routes = kept;
    const first = result;
    result = attempt({ ...input, routes });
    result.status = {
      ...result.status,
      routes: [...result.status.routes, ...refusedStatus(first.status, refused)].sort(byRoute),
    };
  }
  if (!result.resources) {
    return {
      status: result.status,
      error: result.error ?? 'invalid configuration',
      inputHash,
      hash: sha256({ error: result.error }),
    };
  }
  const typeHashes = typeHashesOf(result.resources, result.hashes);
  return {
    status: result.status,
    resources: result.resources,
    inputHash,
    hash: revisionHashOf(typeHashes),
    typeHashes,
    ...(result.error !== undefined ? { error: result.error } : {}),
  };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
function byRoute(a: { kind: string; namespace: string; name: string }, b: typeof a): number {
  return cmp(a.kind, b.kind) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name);
}

/** The refused routes' status from the render that included them, with Accepted=False naming Envoy's objection. */
function refusedStatus(
  status: TranslateStatus,
  refused: ReadonlyMap<string, { route: RouteInput; message: string }>,
): TranslateStatus['routes'] {
  return status.routes
    .filter((r) => refused.has(r.id))
    .map((r) => {
      const { route, message } = refused.get(r.id)!;
      return {
        ...r,
        parents: r.parents.map((p) => ({
          ...p,
          conditions: [
            {
              type: ConditionType.Accepted,
              status: 'False' as const,
              reason: Reason.UnsupportedValue,
              message: `rejected by Envoy's schema: ${message}`,
              observedGeneration: route.generation,
            },
            ...p.conditions.filter((c) => c.type !== ConditionType.Accepted),
          ],
        })),
      };
    });
}
