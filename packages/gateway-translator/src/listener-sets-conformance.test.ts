import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validate, type SpecKind } from '@epic/gateway-api';
import { validateResource } from '@epic/envoy-proto';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type {
  CertificateInput,
  ListenerSetInput,
  NamespaceInput,
  RouteInput,
  ServiceInput,
  TranslateInput,
} from './input.js';
import { Secret } from './secret.js';
import type { ListenerSetStatus, TranslateStatus } from './status.js';
import { translate } from './translate.js';
import { grpcClientProblems } from './test-support/grpc-client-rules.js';

// The 13 upstream ListenerSet conformance manifests (vendored unchanged under k8s/gateway-api/conformance)
// through the schemas and the translator, one Gateway at a time: every object validates, every rendered
// resource passes the Envoy protos and the gRPC xDS client rules, and the statuses are those the
// specification and the manifests' comments require (the suite's Go assertions are not vendored).
// The API-level run (through REST, storage and the reconciler) is apps/api/src/listener-sets.test.ts
// (docs/adr/0463-listener-sets-api.md).

const dir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../k8s/gateway-api/conformance',
);
const files = readdirSync(path.join(dir, 'tests'))
  .filter((f) => f.startsWith('listenerset-'))
  .sort();

interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

function load(file: string): K8sObject[] {
  const text = readFileSync(path.join(dir, file), 'utf8').replaceAll('{GATEWAY_CLASS_NAME}', 'epic');
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

const base = load('base-manifests.yaml');

function spec<K extends SpecKind>(kind: K, o: K8sObject) {
  const r = validate(kind, o.spec);
  if (!r.ok)
    throw new Error(`${kind} ${o.metadata.namespace}/${o.metadata.name}: ${JSON.stringify(r.issues)}`);
  return r.value;
}

const ns = (o: K8sObject) => o.metadata.namespace ?? 'default';

/** Every Gateway of a manifest translated with everything else of it; statuses by `namespace/name`. */
function run(file: string) {
  const objects = [...base, ...load(`tests/${file}`)];
  const namespaces: NamespaceInput[] = objects
    .filter((o) => o.kind === 'Namespace')
    .map((o) => ({ name: o.metadata.name, labels: o.metadata.labels ?? {} }));
  const routes: RouteInput[] = objects
    .filter((o) => ['HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute'].includes(o.kind))
    .map((o) => {
      const kind = o.kind as RouteInput['kind'];
      return {
        id: `${kind}/${ns(o)}/${o.metadata.name}`,
        kind,
        namespace: ns(o),
        name: o.metadata.name,
        generation: 1,
        spec: spec(kind, o),
      } as RouteInput;
    });
  // One creationTimestamp per ListenerSet in manifest order, as `kubectl apply` creates them.
  const listenerSets: ListenerSetInput[] = objects
    .filter((o) => o.kind === 'ListenerSet')
    .map((o, i) => ({
      id: `ListenerSet/${ns(o)}/${o.metadata.name}`,
      namespace: ns(o),
      name: o.metadata.name,
      generation: 1,
      creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      spec: spec('ListenerSet', o),
    }));
  const referenceGrants = objects
    .filter((o) => o.kind === 'ReferenceGrant')
    .map((o) => ({ namespace: ns(o), spec: spec('ReferenceGrant', o) }));
  const services = new Map<string, ServiceInput>();
  for (const r of routes)
    for (const rule of r.spec.rules ?? [])
      for (const b of rule.backendRefs ?? []) {
        const key = `${b.namespace ?? r.namespace}/${b.name}`;
        if (!services.has(key))
          services.set(key, {
            namespace: b.namespace ?? r.namespace,
            name: b.name,
            ports: [{ port: b.port ?? 8080, targetPort: 3000 }],
            endpoints: [{ address: `10.9.0.${services.size + 1}`, port: 3000, ready: true }],
          });
      }
  const gateways = objects.filter((o) => o.kind === 'Gateway');
  // The suite creates the Secrets listeners name at run time: each one named gets a test certificate.
  const secretRefs = new Map<string, { namespace: string; name: string }>();
  for (const o of objects.filter((x) => x.kind === 'Gateway' || x.kind === 'ListenerSet')) {
    const listeners = (o.spec?.['listeners'] ?? []) as {
      tls?: { certificateRefs?: { name: string; namespace?: string }[] };
    }[];
    for (const l of listeners)
      for (const ref of l.tls?.certificateRefs ?? []) {
        const namespace = ref.namespace ?? ns(o);
        secretRefs.set(`${namespace}/${ref.name}`, { namespace, name: ref.name });
      }
  }
  const certificates: CertificateInput[] = [...secretRefs.values()].map(({ namespace, name }) => ({
    namespace,
    name,
    id: `cert-${namespace}-${name}`,
    certificatePem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    privateKey: new Secret('-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n'),
  }));
  const out = new Map<string, { status: TranslateStatus; problems: string[] }>();
  gateways.forEach((g, i) => {
    const s = spec('Gateway', g);
    const input: TranslateInput = {
      gateway: {
        id: `gw-${i}`,
        accountId: 'a',
        name: g.metadata.name,
        namespace: ns(g),
        address: '203.0.113.10',
        generation: 1,
        listeners: s.listeners,
        ...(s.allowedListeners !== undefined ? { allowedListeners: s.allowedListeners } : {}),
      },
      routes,
      referenceGrants,
      services: [...services.values()],
      certificates,
      namespaces,
      listenerSets,
    };
    const result = translate(input);
    const resources = Object.values(result.resources ?? {}).flat();
    const problems = [
      ...(result.resources === undefined ? [`invalid IR: ${JSON.stringify(result.issues)}`] : []),
      ...resources.flatMap((r) =>
        validateResource(r.typeUrl, r.resource).errors.map((e) => `${r.name}: ${e.path}: ${e.message}`),
      ),
      ...grpcClientProblems(
        result.resources ?? { listeners: [], routes: [], clusters: [], endpoints: [], secrets: [] },
      ),
    ];
    out.set(`${ns(g)}/${g.metadata.name}`, { status: result.status, problems });
  });
  return out;
}

type Verdicts = ReturnType<typeof run>;
const INFRA = 'gateway-conformance-infra';

function listenerSet(v: Verdicts, name: string, namespace = INFRA): ListenerSetStatus {
  for (const { status } of v.values()) {
    const found = status.listenerSets?.find((s) => s.namespace === namespace && s.name === name);
    if (found !== undefined) return found;
  }
  throw new Error(`no status for ListenerSet ${namespace}/${name}`);
}
const cond = (cs: readonly { type: string; status: string; reason: string }[], type: string) => {
  const c = cs.find((x) => x.type === type);
  return c === undefined ? undefined : { status: c.status, reason: c.reason };
};
function gateway(v: Verdicts, name: string) {
  const g = v.get(`${INFRA}/${name}`);
  if (g === undefined) throw new Error(`no gateway ${name}`);
  return g.status.gateway;
}
function routeParents(v: Verdicts, route: string) {
  return [...v.values()].flatMap(({ status }) =>
    status.routes
      .filter((r) => r.name === route)
      .flatMap((r) =>
        r.parents.map((p) => ({
          parent: `${p.parentRef.kind}/${p.parentRef.name}${p.parentRef.sectionName !== undefined ? `#${p.parentRef.sectionName}` : ''}`,
          accepted: cond(p.conditions, 'Accepted'),
        })),
      ),
  );
}

describe('upstream ListenerSet conformance manifests through the translator', () => {
  it('has the 13 manifests', () => {
    expect(files).toHaveLength(13);
  });

  it.each(files)(
    '%s: validates, renders, and every resource passes the Envoy protos and gRPC rules',
    (file) => {
      const v = run(file);
      expect(v.size).toBeGreaterThan(0);
      expect([...v.values()].flatMap((g) => g.problems)).toEqual([]);
      // Every ListenerSet that names one of the manifest's Gateways has a status.
      const named = [...v.values()].flatMap((g) => g.status.listenerSets ?? []);
      expect(named.length).toBeGreaterThan(0);
    },
  );

  it('ListenerSetDefaultNotAllowed and ListenerSetAllowedNamespaceNone: NotAllowed, nothing attached', () => {
    for (const [file, gw, ls] of [
      [
        'listenerset-default-not-allowed.yaml',
        'gateway-default-does-not-allow-listenerset',
        'listenerset-default-not-allowed',
      ],
      [
        'listenerset-allowed-namespace-none.yaml',
        'gateway-does-not-allow-listenerset',
        'listenerset-not-allowed',
      ],
    ] as const) {
      const v = run(file);
      expect(cond(listenerSet(v, ls).conditions, 'Accepted')).toEqual({
        status: 'False',
        reason: 'NotAllowed',
      });
      expect(cond(listenerSet(v, ls).conditions, 'Programmed')?.status).toBe('False');
      expect(gateway(v, gw).attachedListenerSets).toBe(0);
      expect(cond(gateway(v, gw).conditions, 'Accepted')?.status).toBe('True');
    }
  });

  it('ListenerSetAllowedNamespaceSame: the same-namespace ListenerSet attaches, the other is NotAllowed', () => {
    const v = run('listenerset-allowed-namespace-same.yaml');
    expect(cond(listenerSet(v, 'listenerset-in-same-namespace').conditions, 'Accepted')).toEqual({
      status: 'True',
      reason: 'Accepted',
    });
    expect(
      cond(
        listenerSet(v, 'listenerset-in-different-namespace', 'gateway-api-listenerset-not-allowed-ns')
          .conditions,
        'Accepted',
      ),
    ).toEqual({ status: 'False', reason: 'NotAllowed' });
    const gw = gateway(v, 'gateway-allows-listenerset-in-same-namespace');
    expect(gw.attachedListenerSets).toBe(1);
    expect(cond(gw.conditions, 'AttachedListenerSets')).toEqual({
      status: 'True',
      reason: 'ListenerSetsAttached',
    });
  });

  it.each([
    ['listenerset-hostname-conflict.yaml', 'hostname', 'HostnameConflict'],
    ['listenerset-protocol-conflict.yaml', 'protocol', 'ProtocolConflict'],
  ] as const)(
    '%s: the later listener is Conflicted, a ListenerSet with only conflicts is not accepted',
    (file, what, reason) => {
      const v = run(file);
      const withGateway1 = listenerSet(v, `listenerset-with-${what}-conflict-with-gateway-1`);
      expect(cond(withGateway1.conditions, 'Accepted')).toEqual({
        status: 'True',
        reason: 'ListenersNotValid',
      });
      const rejected = withGateway1.listeners.find(
        (l) => l.name === `${what}-conflict-with-gateway-listener`,
      );
      expect(cond(rejected?.conditions ?? [], 'Conflicted')).toEqual({ status: 'True', reason });
      expect(cond(rejected?.conditions ?? [], 'Accepted')).toEqual({ status: 'False', reason });
      // The precedence winner in the ListenerSet keeps its listener.
      const winner = withGateway1.listeners.find(
        (l) => l.name === `${what}-conflict-with-listener-set-listener`,
      );
      expect(cond(winner?.conditions ?? [], 'Accepted')).toEqual({ status: 'True', reason: 'Accepted' });
      expect(
        cond(listenerSet(v, `listenerset-with-${what}-conflict-with-gateway-2`).conditions, 'Accepted'),
      ).toEqual({
        status: 'False',
        reason: 'ListenersNotValid',
      });
      const withSet1 = listenerSet(v, `listenerset-with-${what}-conflict-with-listener-set-1`);
      expect(cond(withSet1.conditions, 'Accepted')).toEqual({ status: 'True', reason: 'ListenersNotValid' });
      // The Gateway's own listeners come first and are never the ones rejected.
      const gw = gateway(v, `gateway-with-listenerset-${what}-conflict`);
      for (const l of gw.listeners) expect(cond(l.conditions, 'Conflicted')?.status).toBe('False');
    },
  );

  it('ListenerSetGatewayParentSectionNameNotFound: a ListenerSet listener is no sectionName of the Gateway', () => {
    const v = run('listenerset-gateway-parent-section-name-not-found.yaml');
    expect(routeParents(v, 'route-via-listenerset')).toEqual([
      {
        parent: 'ListenerSet/listenerset-section-name#ls-only-listener',
        accepted: { status: 'True', reason: 'Accepted' },
      },
    ]);
    expect(routeParents(v, 'route-via-gateway')).toEqual([
      {
        parent: 'Gateway/gateway-section-name#ls-only-listener',
        accepted: { status: 'False', reason: 'NoMatchingParent' },
      },
    ]);
  });

  it('ListenerSetReferenceGrant: a ListenerSet certificate in another namespace needs a grant from ListenerSet', () => {
    const v = run('listenerset-reference-grant.yaml');
    const granted = listenerSet(v, 'listenerset-with-reference-grant');
    expect(cond(granted.listeners[0]?.conditions ?? [], 'ResolvedRefs')).toEqual({
      status: 'True',
      reason: 'ResolvedRefs',
    });
    expect(cond(granted.conditions, 'Programmed')?.status).toBe('True');
    const denied = listenerSet(
      v,
      'listenerset-without-reference-grant',
      'gateway-api-listener-sets-test-reference-grant-ns',
    );
    expect(cond(denied.listeners[0]?.conditions ?? [], 'ResolvedRefs')).toEqual({
      status: 'False',
      reason: 'RefNotPermitted',
    });
    expect(cond(denied.listeners[0]?.conditions ?? [], 'Programmed')?.status).toBe('False');
  });
});
