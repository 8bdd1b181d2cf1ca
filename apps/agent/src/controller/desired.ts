import { createHash } from 'node:crypto';
import type { SyncCollection } from './epic-client.js';
import {
  GATEWAY_GROUP,
  ROUTE_KINDS,
  type KindName,
  type KubeObject,
  type RouteKindName,
} from './resources.js';

/** Read access to the informers' caches. */
export interface Caches {
  list(kind: KindName, namespace?: string): KubeObject[];
  get(kind: KindName, namespace: string | undefined, name: string): KubeObject | undefined;
}

export type { SyncCollection };
export const COLLECTIONS: readonly SyncCollection[] = [
  'gateways',
  'routes',
  'services',
  'endpointSlices',
  'referenceGrants',
  'namespaces',
  'caBundles',
  'backendTlsPolicies',
  'listenerSets',
];

/** What one EPIC cluster should hold: per collection, uid → the item as POST /clusters/{id}/sync takes it. */
export type DesiredSet = Record<SyncCollection, Map<string, { item: Record<string, unknown>; hash: string }>>;

export interface Desired {
  /** Per target (a GatewayClassConfig's EPIC cluster). */
  targets: Map<string, DesiredSet>;
  /** Gateways and routes that should carry our finalizer (uid → object). */
  owned: Map<string, { kind: KindName; obj: KubeObject }>;
  /** Service and Secret keys (`namespace/name`) that something of ours references. */
  referencedServices: Set<string>;
  /** Per target: the listener certificates (kubernetes.io/tls Secrets) its Gateways reference, by `namespace/name`. */
  certificates: Map<string, Map<string, { item: CertificateItem; hash: string }>>;
  /**
   * Every Secret key a listener of ours references, and every Secret a CA bundle reference names (present or
   * not: its creation must not be skipped).
   */
  referencedSecrets: Set<string>;
  /** Every ConfigMap key (`namespace/name`) a CA bundle reference of ours names. */
  referencedConfigMaps: Set<string>;
}

/** A listener certificate as PUT /certificates takes it. */
export interface CertificateItem {
  namespace: string;
  name: string;
  certificate: string;
  privateKey: string;
}

interface ListenerTls {
  tls?: { certificateRefs?: Array<{ group?: string; kind?: string; name: string; namespace?: string }> };
}
/** The Secrets a Gateway's listeners terminate TLS with (`namespace/name`). */
export function certificateKeys(g: KubeObject): string[] {
  const listeners = (g.spec?.listeners as ListenerTls[] | undefined) ?? [];
  return listeners.flatMap((l) =>
    (l.tls?.certificateRefs ?? [])
      .filter((r) => (r.group ?? '') === '' && (r.kind ?? 'Secret') === 'Secret')
      .map((r) => key(r.namespace ?? g.metadata.namespace, r.name)),
  );
}

function certificateItem(s: KubeObject): CertificateItem | undefined {
  const crt = s.data?.['tls.crt'];
  const k = s.data?.['tls.key'];
  if (!crt || !k) return undefined;
  return {
    namespace: s.metadata.namespace ?? 'default',
    name: s.metadata.name,
    certificate: Buffer.from(crt, 'base64').toString('utf8'),
    privateKey: Buffer.from(k, 'base64').toString('utf8'),
  };
}

export const emptySet = (): DesiredSet =>
  Object.fromEntries(COLLECTIONS.map((c) => [c, new Map()])) as DesiredSet;

const key = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;
const put = (set: DesiredSet, c: SyncCollection, uid: string, item: Record<string, unknown>) =>
  set[c].set(uid, { item, hash: JSON.stringify(item) });

interface ParentRef {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
}
interface BackendRef {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
}

/** The ListenerSets a route's parentRefs name (namespace/name keys; GEP-1713). */
export function routeListenerSetKeys(route: KubeObject): string[] {
  const refs = ((route.spec?.parentRefs as ParentRef[] | undefined) ?? []).filter(
    (r) => (r.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && r.kind === 'ListenerSet',
  );
  return [...new Set(refs.map((r) => key(r.namespace ?? route.metadata.namespace, r.name)))];
}

/** The Gateways a route's parentRefs name (namespace/name keys). */
export function routeParentKeys(route: KubeObject): string[] {
  const refs = ((route.spec?.parentRefs as ParentRef[] | undefined) ?? []).filter(
    (r) => (r.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && (r.kind ?? 'Gateway') === 'Gateway',
  );
  return [...new Set(refs.map((r) => key(r.namespace ?? route.metadata.namespace, r.name)))];
}

type Filter = { requestMirror?: { backendRef?: BackendRef } };
const mirrored = (filters: Filter[] | undefined): BackendRef[] =>
  (filters ?? []).flatMap((f) => (f.requestMirror?.backendRef ? [f.requestMirror.backendRef] : []));

/** The Services a route sends traffic to: its backends and the backends its RequestMirror filters copy to. */
function backendServiceKeys(route: KubeObject): string[] {
  const rules =
    (route.spec?.rules as
      Array<{ backendRefs?: (BackendRef & { filters?: Filter[] })[]; filters?: Filter[] }> | undefined) ?? [];
  return rules.flatMap((rule) =>
    [
      ...(rule.backendRefs ?? []),
      ...mirrored(rule.filters),
      ...(rule.backendRefs ?? []).flatMap((b) => mirrored(b.filters)),
    ]
      .filter((b) => (b.group ?? '') === '' && (b.kind ?? 'Service') === 'Service')
      .map((b) => key(b.namespace ?? route.metadata.namespace, b.name)),
  );
}

/**
 * A Gateway annotated with a sharing key joins the account's gateway of that key (or of that client uid) in
 * EPIC when its template allows sharing: one address, routes and endpoints of every cluster merged.
 */
export const SHARING_KEY_ANNOTATION = 'epic-gateway.io/sharing-key';

const gatewayItem = (g: KubeObject, template: string) => ({
  clientUid: g.metadata.uid,
  namespace: g.metadata.namespace,
  name: g.metadata.name,
  template,
  ...(g.metadata.annotations?.[SHARING_KEY_ANNOTATION]
    ? { sharingKey: g.metadata.annotations[SHARING_KEY_ANNOTATION] }
    : {}),
  ...(g.metadata.generation ? { generation: g.metadata.generation } : {}),
  listeners: (g.spec?.listeners as unknown[] | undefined) ?? [],
  // The rest of the spec EPIC serves: requested addresses, labels and annotations for what it creates, and
  // client-certificate validation. Absent stays absent (EPIC then picks the address, stores nothing).
  ...(Array.isArray(g.spec?.addresses) && g.spec.addresses.length > 0 ? { addresses: g.spec.addresses } : {}),
  ...(g.spec?.infrastructure ? { infrastructure: g.spec.infrastructure } : {}),
  ...(g.spec?.tls ? { tls: g.spec.tls } : {}),
  ...(g.spec?.allowedListeners ? { allowedListeners: g.spec.allowedListeners } : {}),
});

const routeItem = (kind: RouteKindName, r: KubeObject) => ({
  kind,
  clientUid: r.metadata.uid,
  namespace: r.metadata.namespace,
  name: r.metadata.name,
  ...(r.metadata.generation ? { generation: r.metadata.generation } : {}),
  spec: r.spec ?? {},
});

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}
/** A Service's ports; a named targetPort is left to the EndpointSlice ports, which carry the number. */
function serviceItem(s: KubeObject): Record<string, unknown> | undefined {
  const ports = ((s.spec?.ports as ServicePort[] | undefined) ?? []).map((p) => ({
    ...(p.name ? { name: p.name } : {}),
    port: p.port,
    ...(typeof p.targetPort === 'number' ? { targetPort: p.targetPort } : {}),
    protocol: p.protocol ?? 'TCP',
    ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
  }));
  if (ports.length === 0) return undefined;
  return { clientUid: s.metadata.uid, namespace: s.metadata.namespace, name: s.metadata.name, ports };
}

interface SliceEndpoint {
  addresses: string[];
  conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
  nodeName?: string;
  zone?: string;
}
function sliceItem(e: KubeObject, serviceName: string): Record<string, unknown> | undefined {
  if (e.addressType !== 'IPv4' && e.addressType !== 'IPv6') return undefined;
  const ports = (
    (e.ports as Array<{ name?: string; port?: number; protocol?: string; appProtocol?: string }>) ?? []
  )
    .filter((p) => typeof p.port === 'number')
    .map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      port: p.port,
      protocol: p.protocol ?? 'TCP',
      ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
    }));
  const endpoints = ((e.endpoints as SliceEndpoint[] | undefined) ?? []).map((ep) => {
    const c = ep.conditions ?? {};
    const conditions: Record<string, boolean> = {};
    for (const k of ['ready', 'serving', 'terminating'] as const) {
      const v = c[k];
      if (typeof v === 'boolean') conditions[k] = v;
    }
    return {
      addresses: ep.addresses,
      conditions,
      ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
      ...(ep.zone ? { zone: ep.zone } : {}),
    };
  });
  return {
    clientUid: e.metadata.uid,
    namespace: e.metadata.namespace,
    name: e.metadata.name,
    serviceName,
    addressType: e.addressType,
    ports,
    endpoints,
  };
}

interface CaRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
}
/** The `caCertificateRefs` anywhere under a value (a Gateway's spec.tls.frontend: default and perPort). */
function caRefsUnder(v: unknown): CaRef[] {
  if (Array.isArray(v)) return v.flatMap(caRefsUnder);
  if (typeof v !== 'object' || v === null) return [];
  return Object.entries(v).flatMap(([k, x]) =>
    k === 'caCertificateRefs' && Array.isArray(x) ? (x as CaRef[]) : caRefsUnder(x),
  );
}
/** A CA bundle reference EPIC can read: a ConfigMap or Secret of the core group (`kind/namespace/name`). */
function caBundleKey(r: CaRef, ns: string | undefined): string | undefined {
  const kind = r.kind ?? 'ConfigMap';
  if ((r.group ?? '') !== '' || (kind !== 'ConfigMap' && kind !== 'Secret')) return undefined;
  return `${kind}/${r.namespace ?? ns ?? ''}/${r.name}`;
}
/** The CA bundle item (PUT /ca-bundles without the cluster) of a ConfigMap or Secret: its `ca.crt`. */
function caBundleItem(kind: 'ConfigMap' | 'Secret', o: KubeObject): Record<string, unknown> {
  const raw = o.data?.['ca.crt'];
  const pem =
    raw === undefined ? null : kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  return {
    clientUid: o.metadata.uid,
    kind,
    namespace: o.metadata.namespace,
    name: o.metadata.name,
    caCertificate: pem,
  };
}
interface PolicyTargetRef {
  group?: string;
  kind?: string;
  name: string;
}
const policyItem = (p: KubeObject) => ({
  clientUid: p.metadata.uid,
  namespace: p.metadata.namespace,
  name: p.metadata.name,
  ...(p.metadata.generation ? { generation: p.metadata.generation } : {}),
  ...(p.metadata.creationTimestamp ? { creationTimestamp: p.metadata.creationTimestamp } : {}),
  spec: p.spec ?? {},
});

/**
 * Recomputes, from the caches alone (level-triggered), what each EPIC cluster should hold: the Gateways of
 * our accepted GatewayClasses, the routes attached to them, and only the Services, EndpointSlices and
 * ReferenceGrants those routes reference, and every Namespace with its labels (listeners' `allowedRoutes`
 * selectors match them). Objects being deleted are left out (their deletion is sent).
 * `classTargets` maps an accepted GatewayClass name to its target and the template its Gateways use.
 */
export function computeDesired(
  caches: Caches,
  classTargets: ReadonlyMap<string, { target: string; template: string }>,
): Desired {
  const targets = new Map<string, DesiredSet>();
  const owned = new Map<string, { kind: KindName; obj: KubeObject }>();
  const referencedServices = new Set<string>();
  const setOf = (t: string) => {
    let s = targets.get(t);
    if (!s) targets.set(t, (s = emptySet()));
    return s;
  };
  for (const { target } of classTargets.values()) setOf(target);

  const gatewayTarget = new Map<string, string>();
  /** Per target: the CA bundles (`kind/namespace/name`) its Gateways and policies name. */
  const caKeys = new Map<string, Set<string>>();
  const caKeysOf = (t: string) => {
    let k = caKeys.get(t);
    if (!k) caKeys.set(t, (k = new Set()));
    return k;
  };
  const certificates = new Map<string, Map<string, { item: CertificateItem; hash: string }>>();
  const referencedSecrets = new Set<string>();
  for (const g of caches.list('Gateway')) {
    const cls = classTargets.get(g.spec?.gatewayClassName as string);
    if (!cls || g.metadata.deletionTimestamp) continue;
    gatewayTarget.set(key(g.metadata.namespace, g.metadata.name), cls.target);
    put(setOf(cls.target), 'gateways', g.metadata.uid, gatewayItem(g, cls.template));
    owned.set(g.metadata.uid, { kind: 'Gateway', obj: g });
    let certs = certificates.get(cls.target);
    if (!certs) certificates.set(cls.target, (certs = new Map()));
    for (const r of caRefsUnder(g.spec?.tls)) {
      const k = caBundleKey(r, g.metadata.namespace);
      if (k) caKeysOf(cls.target).add(k);
    }
    for (const k of certificateKeys(g)) {
      referencedSecrets.add(k);
      const [ns, name] = k.split('/') as [string, string];
      const secret = caches.get('Secret', ns, name);
      const item = secret && certificateItem(secret);
      if (item) certs.set(k, { item, hash: createHash('sha256').update(JSON.stringify(item)).digest('hex') });
    }
  }

  // ListenerSets whose parentRef names one of our Gateways (GEP-1713), and the listener certificates they name.
  const listenerSetTarget = new Map<string, string>();
  for (const l of caches.list('ListenerSet')) {
    if (l.metadata.deletionTimestamp) continue;
    const ref = l.spec?.parentRef as ParentRef | undefined;
    if (!ref || (ref.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (ref.kind ?? 'Gateway') !== 'Gateway')
      continue;
    const t = gatewayTarget.get(key(ref.namespace ?? l.metadata.namespace, ref.name));
    if (t === undefined) continue;
    listenerSetTarget.set(key(l.metadata.namespace, l.metadata.name), t);
    put(setOf(t), 'listenerSets', l.metadata.uid, policyItem(l));
    let certs = certificates.get(t);
    if (!certs) certificates.set(t, (certs = new Map()));
    for (const k of certificateKeys(l)) {
      referencedSecrets.add(k);
      const [ns, name] = k.split('/') as [string, string];
      const secret = caches.get('Secret', ns, name);
      const item = secret && certificateItem(secret);
      if (item) certs.set(k, { item, hash: createHash('sha256').update(JSON.stringify(item)).digest('hex') });
    }
  }

  const servicesPerTarget = new Map<string, Set<string>>();
  for (const kind of ROUTE_KINDS) {
    for (const r of caches.list(kind)) {
      if (r.metadata.deletionTimestamp) continue;
      const ts = new Set([
        ...routeParentKeys(r).flatMap((k) => gatewayTarget.get(k) ?? []),
        ...routeListenerSetKeys(r).flatMap((k) => listenerSetTarget.get(k) ?? []),
      ]);
      if (ts.size === 0) continue;
      owned.set(r.metadata.uid, { kind, obj: r });
      for (const t of ts) {
        put(setOf(t), 'routes', r.metadata.uid, routeItem(kind, r));
        let svcs = servicesPerTarget.get(t);
        if (!svcs) servicesPerTarget.set(t, (svcs = new Set()));
        for (const s of backendServiceKeys(r)) svcs.add(s);
      }
    }
  }

  for (const [t, svcs] of servicesPerTarget) {
    const set = setOf(t);
    const namespaces = new Set<string>();
    for (const k of svcs) {
      referencedServices.add(k);
      const [ns, name] = k.split('/') as [string, string];
      namespaces.add(ns);
      const svc = caches.get('Service', ns, name);
      const item = svc && serviceItem(svc);
      if (svc && item) put(set, 'services', svc.metadata.uid, item);
      for (const e of caches.list('EndpointSlice', ns)) {
        if (e.metadata.labels?.['kubernetes.io/service-name'] !== name) continue;
        const slice = sliceItem(e, name);
        if (slice) put(set, 'endpointSlices', e.metadata.uid, slice);
      }
    }
    // BackendTLSPolicies that target a Service our routes use (any section), and the CA bundles they name.
    for (const ns of namespaces) {
      for (const p of caches.list('BackendTLSPolicy', ns)) {
        if (p.metadata.deletionTimestamp) continue;
        const targets = (p.spec?.targetRefs as PolicyTargetRef[] | undefined) ?? [];
        const used = targets.some(
          (r) => (r.group ?? '') === '' && (r.kind ?? 'Service') === 'Service' && svcs.has(key(ns, r.name)),
        );
        if (!used) continue;
        put(set, 'backendTlsPolicies', p.metadata.uid, policyItem(p));
        const validation = p.spec?.validation as { caCertificateRefs?: CaRef[] } | undefined;
        for (const r of validation?.caCertificateRefs ?? []) {
          // A policy's references are local to its namespace.
          const k = caBundleKey({ ...r, namespace: ns }, ns);
          if (k) caKeysOf(t).add(k);
        }
      }
    }
    // A cross-namespace backendRef is allowed by a ReferenceGrant in the backend's namespace.
    for (const ns of namespaces) {
      for (const rg of caches.list('ReferenceGrant', ns)) {
        put(set, 'referenceGrants', rg.metadata.uid, {
          clientUid: rg.metadata.uid,
          namespace: ns,
          name: rg.metadata.name,
          spec: rg.spec ?? {},
        });
      }
    }
  }
  // A listener certificate in another namespace (a Gateway's or a ListenerSet's) is allowed by a ReferenceGrant in
  // the certificate's namespace.
  for (const [t, certs] of certificates) {
    const set = setOf(t);
    for (const ns of new Set([...certs.keys()].map((k) => k.split('/')[0]!))) {
      for (const rg of caches.list('ReferenceGrant', ns)) {
        put(set, 'referenceGrants', rg.metadata.uid, {
          clientUid: rg.metadata.uid,
          namespace: ns,
          name: rg.metadata.name,
          spec: rg.spec ?? {},
        });
      }
    }
  }
  const referencedConfigMaps = new Set<string>();
  for (const [t, keys] of caKeys) {
    const set = setOf(t);
    for (const k of keys) {
      const [kind, ns, name] = k.split('/') as ['ConfigMap' | 'Secret', string, string];
      (kind === 'ConfigMap' ? referencedConfigMaps : referencedSecrets).add(key(ns, name));
      const o = caches.get(kind, ns, name);
      if (o && !o.metadata.deletionTimestamp) put(set, 'caBundles', o.metadata.uid, caBundleItem(kind, o));
    }
  }
  // Every namespace to every target: a label can decide an attachment before any route of the namespace is ours
  // (a route refused by a selector is still sent), and the set stays small (one item per namespace).
  const namespaces = caches.list('Namespace').filter((n) => !n.metadata.deletionTimestamp);
  for (const set of targets.values()) {
    for (const n of namespaces) {
      put(set, 'namespaces', n.metadata.uid, {
        clientUid: n.metadata.uid,
        name: n.metadata.name,
        labels: n.metadata.labels ?? {},
      });
    }
  }
  return { targets, owned, referencedServices, certificates, referencedSecrets, referencedConfigMaps };
}
