import { compareStrings } from './backends.js';
import { condition, ConditionType, Reason, type Condition } from './conditions.js';
import type {
  BackendTlsPolicyInput,
  CaBundleInput,
  CertificateInput,
  GatewayInput,
  ReferenceGrantInput,
  ServiceInput,
} from './input.js';
import type { IRCluster, IRSecret, IRUpstreamTls } from './ir.js';
import { GATEWAY_GROUP, referencePermitted } from './references.js';
import type { BackendTlsPolicyStatus } from './status.js';

// BackendTLSPolicy (Gateway API v1.6.1): a policy targeting a Service (and a port by its name through
// sectionName) makes the gateway's cluster for that Service port use TLS. Conflicts are decided per target
// and sectionName (oldest creationTimestamp, then namespace/name); a policy naming the port beats one naming
// the whole Service. A policy whose CAs do not all resolve makes its backends answer 5xx, as the spec says
// ("connections using an invalid CACertificateRef MUST fail"), rather than connecting in plaintext.

/** Envoy's path to the system trust store in the envoyproxy images (Debian/Ubuntu ca-certificates). */
export const SYSTEM_CA_BUNDLE_PATH = '/etc/ssl/certs/ca-certificates.crt';

interface Target {
  namespace: string;
  service: string;
  /** Service port name; undefined = the whole Service. */
  section: string | undefined;
}

interface Resolved {
  tls?: Omit<IRUpstreamTls, 'clientCertificate'>;
  accepted: Condition;
  resolvedRefs: Condition;
}

export interface BackendTlsResult {
  /** Clusters that connect with TLS, by cluster name. */
  tls: Map<string, IRUpstreamTls>;
  /** Clusters a policy applies to that cannot connect (invalid CAs): their shares answer 500. */
  broken: Set<string>;
  /** The backend client certificate's secret, when a TLS cluster uses it. */
  clientSecret?: IRSecret;
  /** A Gateway condition when spec.tls.backend.clientCertificateRef does not resolve. */
  gatewayCondition?: Condition;
  statuses: BackendTlsPolicyStatus[];
}

function older(a: BackendTlsPolicyInput, b: BackendTlsPolicyInput): number {
  const ta = a.creationTimestamp !== undefined ? Date.parse(a.creationTimestamp) : Number.POSITIVE_INFINITY;
  const tb = b.creationTimestamp !== undefined ? Date.parse(b.creationTimestamp) : Number.POSITIVE_INFINITY;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return compareStrings(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`);
}

function targetsOf(p: BackendTlsPolicyInput): Target[] {
  return p.spec.targetRefs
    .filter((r) => r.group === '' && r.kind === 'Service')
    .map((r) => ({
      namespace: p.namespace,
      service: r.name,
      section: r.sectionName === undefined || r.sectionName === '' ? undefined : r.sectionName,
    }));
}

const targetKey = (t: Target) => `${t.namespace}/${t.service}#${t.section ?? ''}`;

function resolvePolicy(p: BackendTlsPolicyInput, bundles: readonly CaBundleInput[]): Resolved {
  const gen = p.generation;
  const v = p.spec.validation;
  const label = `BackendTLSPolicy ${p.namespace}/${p.name}`;
  const sans: IRUpstreamTls['subjectAltNames'] =
    v.subjectAltNames !== undefined && v.subjectAltNames.length > 0
      ? v.subjectAltNames.map((s) =>
          s.type === 'URI' ? { type: 'URI', value: s.uri ?? '' } : { type: 'DNS', value: s.hostname ?? '' },
        )
      : [{ type: 'DNS', value: v.hostname }];
  const okRefs = condition(
    ConditionType.ResolvedRefs,
    true,
    Reason.ResolvedRefs,
    'all references resolved',
    gen,
  );
  const accepted = condition(ConditionType.Accepted, true, Reason.Accepted, `${label} is accepted`, gen);

  if (v.wellKnownCACertificates !== undefined && v.wellKnownCACertificates !== '') {
    if (v.wellKnownCACertificates !== 'System') {
      return {
        accepted: condition(
          ConditionType.Accepted,
          false,
          Reason.Invalid,
          `wellKnownCACertificates ${JSON.stringify(v.wellKnownCACertificates)} is not supported (only System)`,
          gen,
        ),
        resolvedRefs: okRefs,
      };
    }
    return {
      tls: {
        policy: `${p.namespace}/${p.name}`,
        sni: v.hostname,
        trustedCa: { system: true },
        subjectAltNames: sans,
      },
      accepted,
      resolvedRefs: okRefs,
    };
  }

  const pems: string[] = [];
  const problems: { reason: Reason; message: string }[] = [];
  for (const ref of v.caCertificateRefs ?? []) {
    const what = `caCertificateRef ${ref.group === '' ? ref.kind : `${ref.group}/${ref.kind}`} ${p.namespace}/${ref.name}`;
    if (ref.group !== '' || (ref.kind !== 'ConfigMap' && ref.kind !== 'Secret')) {
      problems.push({
        reason: Reason.InvalidKind,
        message: `${what}: unsupported kind (ConfigMap or Secret)`,
      });
      continue;
    }
    const bundle = bundles.find(
      (b) => b.kind === ref.kind && b.namespace === p.namespace && b.name === ref.name,
    );
    if (bundle === undefined) {
      problems.push({ reason: Reason.InvalidCACertificateRef, message: `${what} not found` });
      continue;
    }
    if (bundle.caCertificatePem === undefined || bundle.caCertificatePem.trim() === '') {
      problems.push({ reason: Reason.InvalidCACertificateRef, message: `${what} has no key ca.crt` });
      continue;
    }
    pems.push(bundle.caCertificatePem);
  }
  const first = problems[0];
  if (first === undefined) {
    return {
      tls: {
        policy: `${p.namespace}/${p.name}`,
        sni: v.hostname,
        trustedCa: { pem: pems.map((x) => (x.endsWith('\n') ? x : `${x}\n`)).join('') },
        subjectAltNames: sans,
      },
      accepted,
      resolvedRefs: okRefs,
    };
  }
  const resolvedRefs = condition(
    ConditionType.ResolvedRefs,
    false,
    first.reason,
    problems.map((x) => x.message).join('; '),
    gen,
  );
  return {
    accepted:
      pems.length === 0
        ? condition(
            ConditionType.Accepted,
            false,
            Reason.NoValidCACertificate,
            `${label}: no caCertificateRef is valid`,
            gen,
          )
        : accepted,
    resolvedRefs,
  };
}

function resolveClientCertificate(
  gateway: GatewayInput,
  certificates: readonly CertificateInput[],
  grants: readonly ReferenceGrantInput[],
): { secret?: IRSecret; problem?: Condition } {
  const ref = gateway.tls?.backend?.clientCertificateRef;
  if (ref === undefined) return {};
  const gen = gateway.generation;
  const ns = ref.namespace ?? gateway.namespace;
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Secret';
  const what = `spec.tls.backend.clientCertificateRef ${kind} ${ns}/${ref.name}`;
  const fail = (reason: Reason, message: string) => ({
    problem: condition(ConditionType.ResolvedRefs, false, reason, message, gen),
  });
  if (group !== '' || kind !== 'Secret')
    return fail(Reason.InvalidClientCertificateRef, `${what}: not a core Secret`);
  if (
    !referencePermitted(
      grants,
      { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gateway.namespace },
      { group: '', kind: 'Secret', namespace: ns, name: ref.name },
    )
  )
    return fail(Reason.RefNotPermitted, `${what}: no ReferenceGrant allows it`);
  const cert = certificates.find((c) => c.namespace === ns && c.name === ref.name);
  if (cert === undefined) return fail(Reason.InvalidClientCertificateRef, `${what} not found`);
  return {
    secret: {
      name: `certificate/${cert.id}`,
      certificate: { id: cert.id, namespace: cert.namespace, name: cert.name },
      certificatePem: cert.certificatePem,
      privateKey: cert.privateKey,
    },
  };
}

/**
 * Applies the BackendTLSPolicies to the clusters the gateway uses (`used`), and says what each policy's status
 * is with this gateway as its ancestor. Only policies that target a used Service port get an ancestor entry.
 */
export function applyBackendTlsPolicies(input: {
  gateway: GatewayInput;
  policies: readonly BackendTlsPolicyInput[];
  services: readonly ServiceInput[];
  caBundles: readonly CaBundleInput[];
  certificates: readonly CertificateInput[];
  referenceGrants: readonly ReferenceGrantInput[];
  clusters: ReadonlyMap<string, IRCluster>;
  used: ReadonlySet<string>;
}): BackendTlsResult {
  const { gateway } = input;
  const result: BackendTlsResult = { tls: new Map(), broken: new Set(), statuses: [] };
  const client = resolveClientCertificate(gateway, input.certificates, input.referenceGrants);
  if (client.problem !== undefined) result.gatewayCondition = client.problem;

  // Precedence per target key: oldest first.
  const byKey = new Map<string, BackendTlsPolicyInput[]>();
  for (const p of [...input.policies].sort(older)) {
    const seen = new Set<string>();
    for (const t of targetsOf(p)) {
      const key = targetKey(t);
      if (seen.has(key)) continue;
      seen.add(key);
      byKey.set(key, [...(byKey.get(key) ?? []), p]);
    }
  }

  const resolved = new Map<string, Resolved>();
  const resolve = (p: BackendTlsPolicyInput) => {
    let r = resolved.get(p.id);
    if (r === undefined) {
      r = resolvePolicy(p, input.caBundles);
      resolved.set(p.id, r);
    }
    return r;
  };
  const relevant = new Map<string, BackendTlsPolicyInput>();
  const conflicted = new Map<string, string>();

  for (const name of [...input.used].sort()) {
    const cluster = input.clusters.get(name);
    if (cluster === undefined) continue;
    const { namespace, name: service, port } = cluster.service;
    const portName = input.services
      .find((s) => s.namespace === namespace && s.name === service)
      ?.ports.find((p) => p.port === port)?.name;
    const sectioned =
      portName !== undefined && portName !== ''
        ? byKey.get(targetKey({ namespace, service, section: portName }))
        : undefined;
    const whole = byKey.get(targetKey({ namespace, service, section: undefined }));
    for (const list of [sectioned, whole]) {
      if (list === undefined) continue;
      const [winner, ...losers] = list;
      if (winner !== undefined) relevant.set(winner.id, winner);
      for (const l of losers) {
        relevant.set(l.id, l);
        if (!conflicted.has(l.id) && winner !== undefined)
          conflicted.set(l.id, `${winner.namespace}/${winner.name}`);
      }
    }
    const applied = sectioned?.[0] ?? whole?.[0];
    if (applied === undefined) continue;
    const r = resolve(applied);
    if (r.tls === undefined) {
      result.broken.add(name);
      continue;
    }
    const tls: IRUpstreamTls = { ...r.tls };
    if (client.secret !== undefined) {
      tls.clientCertificate = client.secret.name;
      result.clientSecret = client.secret;
    }
    result.tls.set(name, tls);
  }

  const ancestorRef = {
    group: GATEWAY_GROUP,
    kind: 'Gateway',
    namespace: gateway.namespace,
    name: gateway.name,
  };
  for (const p of [...relevant.values()].sort((a, b) =>
    compareStrings(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`),
  )) {
    const r = resolve(p);
    const winner = conflicted.get(p.id);
    const accepted =
      winner !== undefined
        ? condition(
            ConditionType.Accepted,
            false,
            Reason.Conflicted,
            `BackendTLSPolicy ${winner} takes precedence for the same target and sectionName`,
            p.generation,
          )
        : r.accepted;
    result.statuses.push({
      id: p.id,
      namespace: p.namespace,
      name: p.name,
      ancestors: [{ ancestorRef, conditions: [accepted, r.resolvedRefs] }],
    });
  }
  return result;
}
