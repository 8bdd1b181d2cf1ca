import { condition, ConditionType, Reason, type Condition } from './conditions.js';
import type {
  CaBundleInput,
  CertificateInput,
  FrontendValidationInput,
  GatewayInput,
  ListenerInput,
  ReferenceGrantInput,
  RouteKind,
} from './input.js';
import { GATEWAY_GROUP, referencePermitted } from './references.js';

/** Route kinds each listener protocol can carry (Gateway API "supportedKinds"). */
const KINDS_BY_PROTOCOL: Record<string, RouteKind[]> = {
  HTTP: ['HTTPRoute', 'GRPCRoute'],
  HTTPS: ['HTTPRoute', 'GRPCRoute'],
  TLS: ['TLSRoute'],
  TCP: ['TCPRoute'],
  UDP: ['UDPRoute'],
};

/** Protocols that can share a port: Envoy tells HTTPS and TLS apart by SNI, the others need a port of their own. */
export function portFamily(protocol: string): string {
  return protocol === 'HTTPS' || protocol === 'TLS' ? 'tls' : protocol;
}

/**
 * The transport a listener's port number belongs to: UDP ports are a separate space, so a UDP listener
 * never conflicts with a TCP-based one of the same number (DNS on 53/TCP and 53/UDP).
 */
export function transportOf(protocol: string): 'udp' | 'tcp' {
  return protocol === 'UDP' ? 'udp' : 'tcp';
}

/** Protocols whose listeners take no hostname: two on one port always conflict. */
const PORT_ONLY = new Set(['TCP', 'UDP']);

/** The ListenerSet a listener comes from (GEP-1713); a Gateway's own listeners have none. */
export interface ListenerOwner {
  id: string;
  namespace: string;
  name: string;
  generation: number;
}

export interface AnalyzedListener {
  spec: ListenerInput;
  /** Unique among the merged listeners: the name for a Gateway's own, `<namespace>/<set>/<name>` otherwise. */
  key: string;
  /** The ListenerSet the listener belongs to, absent for the Gateway's own listeners. */
  owner?: ListenerOwner;
  /** Routes may attach (protocol supported). */
  accepted: boolean;
  /** Traffic can be served (accepted, no conflict, certificates resolved). */
  programmable: boolean;
  supportedKinds: RouteKind[];
  /** IRSecret names (certificate ids) to terminate TLS with. */
  certificates: CertificateInput[];
  /** Client-certificate validation that applies to this HTTPS listener, with the CA bundles that resolved. */
  clientValidation?: { caPems: string[]; mode: 'AllowValidOnly' | 'AllowInsecureFallback' };
  conditions: (attachedRoutes: number) => Condition[];
}

/** The frontend validation that applies to an HTTPS listener on `port`: its port's, else the default. */
export function frontendValidation(gateway: GatewayInput, port: number): FrontendValidationInput | undefined {
  const frontend = gateway.tls?.frontend;
  const perPort = frontend?.perPort?.find((p) => p.port === port);
  return perPort !== undefined ? perPort.tls.validation : frontend?.default?.validation;
}

/** Resolves a validation's caCertificateRefs: the PEMs, and a problem per ref that does not resolve. */
function resolveCaRefs(
  gateway: GatewayInput,
  validation: FrontendValidationInput,
  bundles: readonly CaBundleInput[],
  grants: readonly ReferenceGrantInput[],
): { pems: string[]; problems: { reason: Reason; message: string }[] } {
  const pems: string[] = [];
  const problems: { reason: Reason; message: string }[] = [];
  for (const ref of validation.caCertificateRefs) {
    const ns = ref.namespace ?? gateway.namespace;
    const group = ref.group ?? '';
    const kind = ref.kind ?? 'ConfigMap';
    const label = `CA certificate ${kind} ${ns}/${ref.name}`;
    if (group !== '' || (kind !== 'ConfigMap' && kind !== 'Secret')) {
      problems.push({
        reason: Reason.InvalidCACertificateKind,
        message: `${label}: unsupported kind ${group === '' ? kind : `${group}/${kind}`} (ConfigMap or Secret)`,
      });
      continue;
    }
    if (
      !referencePermitted(
        grants,
        { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gateway.namespace },
        { group: '', kind, namespace: ns, name: ref.name },
      )
    ) {
      problems.push({ reason: Reason.RefNotPermitted, message: `${label}: no ReferenceGrant allows it` });
      continue;
    }
    const bundle = bundles.find((b) => b.kind === kind && b.namespace === ns && b.name === ref.name);
    if (bundle === undefined) {
      problems.push({ reason: Reason.InvalidCACertificateRef, message: `${label} not found` });
      continue;
    }
    if (bundle.caCertificatePem === undefined || bundle.caCertificatePem.trim() === '') {
      problems.push({ reason: Reason.InvalidCACertificateRef, message: `${label} has no key ca.crt` });
      continue;
    }
    pems.push(bundle.caCertificatePem);
  }
  return { pems, problems };
}

export function analyzeListeners(
  gateway: GatewayInput,
  certificates: readonly CertificateInput[],
  grants: readonly ReferenceGrantInput[],
  caBundles: readonly CaBundleInput[] = [],
  /** Analyze these ListenerSet listeners instead (references resolve from the ListenerSet's namespace). */
  fromSet?: { owner: ListenerOwner; listeners: readonly ListenerInput[] },
): AnalyzedListener[] {
  const gen = fromSet?.owner.generation ?? gateway.generation;
  const specs = fromSet?.listeners ?? gateway.listeners;
  const refNamespace = fromSet?.owner.namespace ?? gateway.namespace;
  const refFrom = fromSet !== undefined ? 'ListenerSet' : 'Gateway';
  const conflicts = findConflicts(specs);
  return specs.map((spec) => {
    const kindsForProtocol = KINDS_BY_PROTOCOL[spec.protocol];
    const protocolOk = kindsForProtocol !== undefined;
    const requested = spec.allowedRoutes?.kinds;
    const supportedKinds = (kindsForProtocol ?? []).filter(
      (k) =>
        requested === undefined ||
        requested.some((r) => (r.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && r.kind === k),
    );
    const invalidKinds = (requested ?? []).filter(
      (r) =>
        (r.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP ||
        !(kindsForProtocol ?? []).includes(r.kind as RouteKind),
    );

    const refProblems: { reason: Reason; message: string }[] = [];
    if (invalidKinds.length > 0) {
      refProblems.push({
        reason: Reason.InvalidRouteKinds,
        message: `unsupported route kinds: ${invalidKinds.map((k) => `${k.group ?? GATEWAY_GROUP}/${k.kind}`).join(', ')}`,
      });
    }
    const resolved: CertificateInput[] = [];
    const terminates =
      (spec.protocol === 'HTTPS' || spec.protocol === 'TLS') &&
      (spec.tls?.mode ?? 'Terminate') === 'Terminate';
    if (terminates) {
      for (const ref of spec.tls?.certificateRefs ?? []) {
        const ns = ref.namespace ?? refNamespace;
        const label = `${ns}/${ref.name}`;
        if ((ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') {
          refProblems.push({
            reason: Reason.InvalidCertificateRef,
            message: `certificate ${label}: unsupported kind ${ref.kind}`,
          });
          continue;
        }
        if (
          !referencePermitted(
            grants,
            { group: GATEWAY_GROUP, kind: refFrom, namespace: refNamespace },
            { group: '', kind: 'Secret', namespace: ns, name: ref.name },
          )
        ) {
          refProblems.push({
            reason: Reason.RefNotPermitted,
            message: `certificate ${label}: no ReferenceGrant allows it`,
          });
          continue;
        }
        const cert = certificates.find((c) => c.namespace === ns && c.name === ref.name);
        if (cert === undefined) {
          refProblems.push({
            reason: Reason.InvalidCertificateRef,
            message: `certificate ${label} not found`,
          });
          continue;
        }
        resolved.push(cert);
      }
      if (resolved.length === 0 && refProblems.length === 0) {
        refProblems.push({
          reason: Reason.InvalidCertificateRef,
          message: 'no certificateRefs to terminate TLS with',
        });
      }
    }
    // Client-certificate validation applies to HTTPS listeners only (the spec's "matching HTTPS listeners").
    const validation = spec.protocol === 'HTTPS' ? frontendValidation(gateway, spec.port) : undefined;
    const ca = validation !== undefined ? resolveCaRefs(gateway, validation, caBundles, grants) : undefined;
    if (ca !== undefined) refProblems.push(...ca.problems);
    const caOk = ca === undefined || ca.pems.length > 0;
    const tlsModeOk = !(spec.protocol === 'HTTPS' && spec.tls?.mode === 'Passthrough');
    const conflict = conflicts.get(spec.name);
    const accepted = protocolOk && tlsModeOk && caOk;
    const certsOk = !terminates || resolved.length > 0;
    const programmable = accepted && conflict === undefined && certsOk;

    const conditions = (attachedRoutes: number): Condition[] => {
      const out: Condition[] = [];
      out.push(
        !protocolOk
          ? condition(
              ConditionType.Accepted,
              false,
              Reason.UnsupportedProtocol,
              `protocol ${spec.protocol} is not supported`,
              gen,
            )
          : !tlsModeOk
            ? condition(
                ConditionType.Accepted,
                false,
                Reason.UnsupportedValue,
                'HTTPS listeners must terminate TLS',
                gen,
              )
            : !caOk
              ? condition(
                  ConditionType.Accepted,
                  false,
                  Reason.NoValidCACertificate,
                  'no caCertificateRef of the client-certificate validation is valid',
                  gen,
                )
              : condition(ConditionType.Accepted, true, Reason.Accepted, 'listener accepted', gen),
      );
      out.push(
        conflict !== undefined
          ? condition(ConditionType.Conflicted, true, conflict.reason, conflict.message, gen)
          : condition(ConditionType.Conflicted, false, Reason.NoConflicts, 'no conflicts', gen),
      );
      const problem = refProblems[0];
      out.push(
        problem === undefined
          ? condition(ConditionType.ResolvedRefs, true, Reason.ResolvedRefs, 'all references resolved', gen)
          : condition(
              ConditionType.ResolvedRefs,
              false,
              problem.reason,
              refProblems.map((p) => p.message).join('; '),
              gen,
            ),
      );
      out.push(
        programmable
          ? condition(
              ConditionType.Programmed,
              true,
              Reason.Programmed,
              `listener programmed with ${attachedRoutes} route(s)`,
              gen,
            )
          : condition(ConditionType.Programmed, false, Reason.Invalid, 'listener cannot be programmed', gen),
      );
      return out;
    };
    return {
      spec,
      key:
        fromSet !== undefined ? `${fromSet.owner.namespace}/${fromSet.owner.name}/${spec.name}` : spec.name,
      ...(fromSet !== undefined ? { owner: fromSet.owner } : {}),
      accepted,
      programmable,
      supportedKinds: accepted ? supportedKinds : [],
      certificates: resolved,
      ...(ca !== undefined && validation !== undefined && ca.pems.length > 0
        ? { clientValidation: { caPems: ca.pems, mode: validation.mode ?? 'AllowValidOnly' } }
        : {}),
      conditions,
    };
  });
}

/** Listeners that cannot be served side by side: different protocol families on one port, or same hostname. */
function findConflicts(
  listeners: readonly ListenerInput[],
): Map<string, { reason: Reason; message: string }> {
  const out = new Map<string, { reason: Reason; message: string }>();
  const byPort = new Map<string, ListenerInput[]>();
  for (const l of listeners) {
    const key = `${transportOf(l.protocol)}/${l.port}`;
    byPort.set(key, [...(byPort.get(key) ?? []), l]);
  }
  for (const group of byPort.values()) {
    const port = group[0]?.port;
    const families = new Set(group.map((l) => portFamily(l.protocol)));
    if (families.size > 1) {
      for (const l of group) {
        out.set(l.name, {
          reason: Reason.ProtocolConflict,
          message: `port ${port} is used by incompatible protocols`,
        });
      }
      continue;
    }
    const seen = new Map<string, number>();
    for (const l of group) {
      const key = PORT_ONLY.has(l.protocol) ? '' : (l.hostname ?? '').toLowerCase();
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    for (const l of group) {
      const key = PORT_ONLY.has(l.protocol) ? '' : (l.hostname ?? '').toLowerCase();
      if ((seen.get(key) ?? 0) > 1) {
        out.set(l.name, {
          reason: Reason.HostnameConflict,
          message: `another listener on port ${port} serves the same hostname`,
        });
      }
    }
  }
  return out;
}
