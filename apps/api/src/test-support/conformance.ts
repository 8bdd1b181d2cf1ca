import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { parseAllDocuments } from 'yaml';
import { createReconciler } from '../reconciler/reconciler.js';
import { createAccount, rest, type TestEnv } from './harness.js';
import { testCertA } from './tls-fixture.js';

// The upstream conformance manifests (vendored under k8s/gateway-api/conformance, unchanged) applied through
// the API, one account per test: the base manifests' Namespaces (with their labels) and the Gateways, Services
// and certificates the test's routes name, then the test's own objects. Services get static endpoints in
// place of the suite's pods; Secrets named by listeners get a test certificate. What each test expects is
// asserted by the caller, from the specification (the suite's Go assertions are not vendored).

const conformanceDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../k8s/gateway-api/conformance',
);

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

function manifests(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(path.join(conformanceDir, file), 'utf8'))
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** Address pools may not overlap across accounts: each applied test gets its own. */
let applied = 0;

const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute', 'UDPRoute']);

export interface AppliedTest {
  key: string;
  /** EPIC ids by `namespace/name` of the applied Gateways and routes. */
  gateways: Map<string, string>;
  routes: Map<string, string>;
  /** EPIC ids by `namespace/name` of the applied BackendTLSPolicies. */
  backendTlsPolicies: Map<string, string>;
  /** EPIC ids by `namespace/name` of the applied ListenerSets. */
  listenerSets: Map<string, string>;
  /** The test's address pool is `<poolPrefix>.0/28`. */
  poolPrefix: string;
}

type Ref = { name: string; namespace?: string; port?: number; kind?: string; group?: string };

/**
 * Applies one conformance test's manifests (`tests/<file>`) through the API in a fresh account and renders
 * its gateways. `namespaceLabels: false` leaves the Namespaces out (selectors then see only the implied
 * `kubernetes.io/metadata.name`).
 */
export async function applyConformanceTest(
  env: TestEnv,
  test: string,
  account: string,
  opts: {
    namespaceLabels?: boolean;
    /**
     * The suite's address placeholders (`PLACEHOLDER_USABLE_ADDRS`, …) by the addresses that replace them,
     * given the test's pool prefix (its pool is `<prefix>.0/28`).
     */
    addresses?: (poolPrefix: string) => Record<string, { type?: string; value: string }>;
    /** CA bundles the suite creates for the test (`namespace/name` of ConfigMaps with a test CA as ca.crt). */
    caBundles?: string[];
    /** TLS Secrets the suite creates for the test (`namespace/name`), beyond those listeners name. */
    secrets?: string[];
    /** Secrets listeners name that must not exist (or are malformed, so no certificate): `namespace/name`. */
    withoutSecrets?: string[];
  } = {},
): Promise<AppliedTest> {
  const { key } = await createAccount(env, account);
  const must = async (...[method, url, payload]: [Parameters<typeof rest>[1], string, unknown]) => {
    const r = await rest(env, method, url, key, payload);
    if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${r.raw}`);
    return r.body;
  };
  const base = manifests('base-manifests.yaml');
  const own = manifests(`tests/${test}`);
  const all = [...base, ...own];
  const find = (kind: string, namespace: string, name: string) =>
    all.find(
      (o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? '') === namespace,
    );

  const routes = own.filter((o) => ROUTE_KINDS.has(o.kind));
  const ns = (o: K8sObject) => o.metadata.namespace ?? 'default';
  const gatewayKeys = new Set<string>();
  const serviceKeys = new Set<string>();
  // The test's own Gateways, also those no route names (the Gateway tests have none).
  for (const g of own.filter((o) => o.kind === 'Gateway')) gatewayKeys.add(`${ns(g)}/${g.metadata.name}`);
  for (const r of routes) {
    for (const p of ((r.spec?.['parentRefs'] ?? []) as Ref[]).filter(
      (p) => (p.kind ?? 'Gateway') === 'Gateway',
    ))
      gatewayKeys.add(`${p.namespace ?? ns(r)}/${p.name}`);
    // The rules' backends and the backends their RequestMirror filters copy requests to.
    type Filter = { requestMirror?: { backendRef?: Ref } };
    for (const rule of (r.spec?.['rules'] ?? []) as { backendRefs?: Ref[]; filters?: Filter[] }[])
      for (const b of [
        ...(rule.backendRefs ?? []),
        ...(rule.filters ?? []).flatMap((f) =>
          f.requestMirror?.backendRef ? [f.requestMirror.backendRef] : [],
        ),
      ])
        if ((b.kind ?? 'Service') === 'Service' && (b.group ?? '') === '')
          serviceKeys.add(`${b.namespace ?? ns(r)}/${b.name}`);
  }

  if (opts.namespaceLabels !== false) {
    for (const n of all.filter((o) => o.kind === 'Namespace'))
      await must('PUT', '/namespaces', { name: n.metadata.name, labels: n.metadata.labels ?? {} });
  }
  applied += 1;
  const poolPrefix = `10.90.${applied}`;
  await must('POST', '/address-pools', { name: 'pub', spec: `${poolPrefix}.0/28` });
  const placeholders = opts.addresses?.(poolPrefix) ?? {};
  await must('POST', '/templates', {
    name: 'conformance',
    poolName: 'pub',
    dnsNameTemplate: '{gateway}.example.com',
  });

  for (const b of opts.caBundles ?? []) {
    const [namespace, name] = b.split('/') as [string, string];
    await must('PUT', '/ca-bundles', {
      kind: 'ConfigMap',
      namespace,
      name,
      caCertificate: testCertA.certificate,
    });
  }
  const certificates = new Set<string>(opts.withoutSecrets ?? []);
  for (const sk of opts.secrets ?? []) {
    const [namespace, name] = sk.split('/') as [string, string];
    certificates.add(sk);
    await must('PUT', '/certificates', { namespace, name, ...testCertA });
  }
  const gateways = new Map<string, string>();
  for (const gk of [...gatewayKeys].sort()) {
    const [namespace, name] = gk.split('/') as [string, string];
    const gw = find('Gateway', namespace, name);
    if (gw === undefined) continue;
    const listeners = (gw.spec?.['listeners'] ?? []) as { tls?: { certificateRefs?: Ref[] } }[];
    for (const l of listeners)
      for (const c of l.tls?.certificateRefs ?? []) {
        const ck = `${c.namespace ?? namespace}/${c.name}`;
        if (certificates.has(ck)) continue;
        certificates.add(ck);
        await must('PUT', '/certificates', {
          namespace: c.namespace ?? namespace,
          name: c.name,
          ...testCertA,
        });
      }
    const requested = gw.spec?.['addresses'] as { type?: string; value?: string }[] | undefined;
    const addresses = requested?.map((a) => (a.value !== undefined ? (placeholders[a.value] ?? a) : a));
    const infrastructure = gw.spec?.['infrastructure'];
    const tls = gw.spec?.['tls'];
    const allowedListeners = gw.spec?.['allowedListeners'];
    const created = await must('POST', '/gateways', {
      name,
      namespace,
      template: 'conformance',
      listeners,
      ...(addresses !== undefined ? { addresses } : {}),
      ...(infrastructure !== undefined ? { infrastructure } : {}),
      ...(tls !== undefined ? { tls } : {}),
      ...(allowedListeners !== undefined ? { allowedListeners } : {}),
    });
    gateways.set(gk, created['id'] as string);
  }

  let host = 0;
  for (const sk of [...serviceKeys].sort()) {
    const [namespace, name] = sk.split('/') as [string, string];
    const svc = find('Service', namespace, name);
    if (svc === undefined) continue;
    const ports = (svc.spec?.['ports'] ?? []) as {
      name?: string;
      port: number;
      targetPort?: number;
      protocol?: string;
      appProtocol?: string;
    }[];
    await must('PUT', '/services', {
      namespace,
      name,
      ports: ports.map((p) => ({
        ...(p.name !== undefined ? { name: p.name } : {}),
        port: p.port,
        ...(typeof p.targetPort === 'number' ? { targetPort: p.targetPort } : {}),
        ...(p.protocol !== undefined ? { protocol: p.protocol } : {}),
        ...(p.appProtocol !== undefined ? { appProtocol: p.appProtocol } : {}),
      })),
    });
    host += 1;
    await must('PUT', `/static-endpoints/${namespace}/${name}`, {
      ports: ports.map((p) => ({
        ...(p.name !== undefined ? { name: p.name } : {}),
        port: typeof p.targetPort === 'number' ? p.targetPort : p.port,
      })),
      endpoints: [{ address: `10.91.${Math.floor(host / 250)}.${(host % 250) + 1}` }],
    });
  }

  // The test's own ConfigMaps are CA bundles (their ca.crt, absent when they have none); its BackendTLSPolicies
  // are created in file order, a second apart, as the suite's apply would give them ascending creationTimestamps.
  for (const m of own.filter((o) => o.kind === 'ConfigMap'))
    await must('PUT', '/ca-bundles', {
      kind: 'ConfigMap',
      namespace: ns(m),
      name: m.metadata.name,
      ...(m.data?.['ca.crt'] !== undefined ? { caCertificate: m.data['ca.crt'] } : {}),
    });
  const policyIds = new Map<string, string>();
  let created = Date.parse('2026-01-01T00:00:00Z');
  for (const p of own.filter((o) => o.kind === 'BackendTLSPolicy')) {
    const row = await must('PUT', '/backend-tls-policies', {
      namespace: ns(p),
      name: p.metadata.name,
      creationTimestamp: new Date(created).toISOString(),
      spec: p.spec,
    });
    created += 1000;
    policyIds.set(`${ns(p)}/${p.metadata.name}`, row['id'] as string);
  }

  // ListenerSets in file order, a second apart (ascending creationTimestamps, as the suite's apply gives them),
  // with the certificates their listeners name.
  const listenerSetIds = new Map<string, string>();
  for (const l of own.filter((o) => o.kind === 'ListenerSet')) {
    const listeners = (l.spec?.['listeners'] ?? []) as { tls?: { certificateRefs?: Ref[] } }[];
    for (const x of listeners)
      for (const c of x.tls?.certificateRefs ?? []) {
        const ck = `${c.namespace ?? ns(l)}/${c.name}`;
        if (certificates.has(ck)) continue;
        certificates.add(ck);
        await must('PUT', '/certificates', { namespace: c.namespace ?? ns(l), name: c.name, ...testCertA });
      }
    const row = await must('PUT', '/listener-sets', {
      namespace: ns(l),
      name: l.metadata.name,
      creationTimestamp: new Date(created).toISOString(),
      spec: l.spec,
    });
    created += 1000;
    listenerSetIds.set(`${ns(l)}/${l.metadata.name}`, row['id'] as string);
  }

  for (const g of own.filter((o) => o.kind === 'ReferenceGrant'))
    await must('PUT', '/reference-grants', { namespace: ns(g), name: g.metadata.name, spec: g.spec });

  const routeIds = new Map<string, string>();
  for (const r of routes) {
    const created = await must('POST', '/routes', {
      kind: r.kind,
      name: r.metadata.name,
      namespace: ns(r),
      spec: r.spec,
    });
    routeIds.set(`${ns(r)}/${r.metadata.name}`, created['id'] as string);
  }
  await reconcile(env);
  return {
    key,
    gateways,
    routes: routeIds,
    backendTlsPolicies: policyIds,
    listenerSets: listenerSetIds,
    poolPrefix,
  };
}

/**
 * Renders every gateway with pending changes (the reconciler the API process would run). A reconcile that fails
 * is pushed back for seconds and the drain ends without it: that throws here, naming the error, instead of
 * leaving the suite to find a stale status it cannot explain.
 */
export async function reconcile(env: TestEnv): Promise<void> {
  const failures: string[] = [];
  await createReconciler({
    db: env.db,
    databaseUrl: env.url,
    log: pino({ level: 'error' }, { write: (line: string) => void failures.push(line.slice(0, 2000)) }),
    resyncSeconds: 3600,
  }).drain();
  if (failures.length > 0) throw new Error(`a reconcile failed:\n${failures.join('\n')}`);
}
