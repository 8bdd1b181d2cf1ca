import { Reason } from './conditions.js';
import type {
  BackendObjectRef,
  EndpointInput,
  ReferenceGrantInput,
  RouteKind,
  ServiceInput,
} from './input.js';
import type { IRCluster, IREndpoint } from './ir.js';
import { GATEWAY_GROUP, referencePermitted } from './references.js';

export interface RefProblem {
  reason: Reason;
  message: string;
}

export type BackendResolution = { ok: true; cluster: string } | { ok: false; problem: RefProblem };

const HTTP2_APP_PROTOCOLS = new Set(['kubernetes.io/h2c', 'h2c', 'grpc', 'kubernetes.io/grpc']);

/**
 * Resolves backend references to clusters (one per Service port), collecting the clusters as it goes so
 * that every route sharing a Service shares its cluster and its EDS resource.
 */
export class BackendResolver {
  readonly clusters = new Map<string, IRCluster>();
  private readonly services = new Map<string, ServiceInput>();

  constructor(
    services: readonly ServiceInput[],
    private readonly grants: readonly ReferenceGrantInput[],
  ) {
    // The first Service of a name wins, as a lookup with find() would.
    for (const s of services)
      if (!this.services.has(`${s.namespace}/${s.name}`)) this.services.set(`${s.namespace}/${s.name}`, s);
  }

  resolve(ref: BackendObjectRef, from: { kind: RouteKind; namespace: string }): BackendResolution {
    const group = ref.group ?? '';
    const kind = ref.kind ?? 'Service';
    const namespace = ref.namespace ?? from.namespace;
    const label = `${namespace}/${ref.name}`;
    if (group !== '' || kind !== 'Service') {
      return fail(
        Reason.InvalidKind,
        `backend ${label}: unsupported kind ${group === '' ? kind : `${group}/${kind}`}`,
      );
    }
    if (
      !referencePermitted(
        this.grants,
        { group: GATEWAY_GROUP, kind: from.kind, namespace: from.namespace },
        { group: '', kind: 'Service', namespace, name: ref.name },
      )
    ) {
      return fail(
        Reason.RefNotPermitted,
        `backend ${label}: no ReferenceGrant in ${namespace} allows ${from.kind}s from ${from.namespace}`,
      );
    }
    const service = this.services.get(`${namespace}/${ref.name}`);
    if (service === undefined) return fail(Reason.BackendNotFound, `backend ${label}: service not found`);
    if (ref.port === undefined)
      return fail(Reason.BackendNotFound, `backend ${label}: port is required for a Service`);
    const port = service.ports.find((p) => p.port === ref.port);
    if (port === undefined)
      return fail(Reason.BackendNotFound, `backend ${label}: service has no port ${ref.port}`);

    const name = `service/${namespace}/${ref.name}/${ref.port}`;
    const http2 = from.kind === 'GRPCRoute' || HTTP2_APP_PROTOCOLS.has(port.appProtocol ?? '');
    const existing = this.clusters.get(name);
    if (existing !== undefined) {
      if (http2 && existing.protocol === 'http1') this.clusters.set(name, { ...existing, protocol: 'http2' });
      return { ok: true, cluster: name };
    }
    const onlyPort = service.ports.length === 1;
    const endpoints = service.endpoints.filter((e) =>
      e.portName !== undefined
        ? e.portName === (port.name ?? '')
        : onlyPort || port.targetPort === undefined || e.port === port.targetPort,
    );
    this.clusters.set(name, {
      name,
      service: { namespace, name: ref.name, port: ref.port },
      protocol: http2 ? 'http2' : 'http1',
      endpoints: toIREndpoints(endpoints),
    });
    return { ok: true, cluster: name };
  }
}

function fail(reason: Reason, message: string): BackendResolution {
  return { ok: false, problem: { reason, message } };
}

/** EndpointSlice conditions → Envoy health: ready serves, serving-but-terminating drains, the rest is left out. */
function toIREndpoints(endpoints: readonly EndpointInput[]): IREndpoint[] {
  const out = new Map<string, IREndpoint>();
  for (const e of endpoints) {
    const serving = e.serving ?? e.ready;
    if (!serving) continue;
    const key = `${e.address}|${e.port}`;
    if (out.has(key)) continue;
    const health = e.terminating === true ? 'DRAINING' : 'HEALTHY';
    out.set(key, {
      address: e.address,
      port: e.port,
      health,
      ...(e.weight !== undefined ? { weight: e.weight } : {}),
    });
  }
  return [...out.values()].sort((a, b) => compareStrings(a.address, b.address) || a.port - b.port);
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
