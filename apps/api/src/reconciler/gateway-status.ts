/**
 * Pure: computes a Gateway's conditions and listener statuses from its stored state. No clock: the
 * caller passes `now`, and unchanged conditions keep their lastTransitionTime.
 */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration: number;
  lastTransitionTime: string;
}

export interface ListenerLike {
  name: string;
  port: number;
  protocol: string;
  hostname?: string;
  allowedRoutes?: { kinds?: Array<{ group?: string; kind: string }> };
}

export interface ListenerStatus {
  name: string;
  supportedKinds: Array<{ group: string; kind: string }>;
  attachedRoutes: number;
  conditions: Condition[];
}

export interface GatewayState {
  generation: number;
  address: string | null;
  listeners: ListenerLike[];
  /** kinds of the routes attached to each listener name (or to every listener when no sectionName). */
  attachedRoutes: Array<{ kind: string; sectionName?: string; port?: number }>;
}

const GROUP = 'gateway.networking.k8s.io';
const kindsByProtocol: Record<string, string[]> = {
  HTTP: ['HTTPRoute', 'GRPCRoute'],
  HTTPS: ['HTTPRoute', 'GRPCRoute'],
  TLS: ['TLSRoute', 'TCPRoute'],
  TCP: ['TCPRoute'],
};

type Draft = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

export function mergeConditions(previous: readonly Condition[], next: Draft[], generation: number, now: string): Condition[] {
  return next.map((c) => {
    const prior = previous.find((p) => p.type === c.type);
    const lastTransitionTime = prior && prior.status === c.status ? prior.lastTransitionTime : now;
    return { ...c, observedGeneration: generation, lastTransitionTime };
  });
}

function listenerDrafts(l: ListenerLike, all: ListenerLike[]): { drafts: Draft[]; kinds: string[]; valid: boolean } {
  const supported = kindsByProtocol[l.protocol];
  if (!supported) {
    return {
      kinds: [],
      valid: false,
      drafts: [
        { type: 'Accepted', status: 'False', reason: 'UnsupportedProtocol', message: `protocol ${l.protocol} is not supported; use HTTP, HTTPS, TLS or TCP` },
        { type: 'Programmed', status: 'False', reason: 'Invalid', message: 'the listener is not accepted' },
      ],
    };
  }
  const requested = l.allowedRoutes?.kinds;
  const kinds = requested ? requested.filter((k) => (k.group ?? GROUP) === GROUP && supported.includes(k.kind)).map((k) => k.kind) : supported;
  const drafts: Draft[] = [];
  const samePort = all.filter((o) => o !== l && o.port === l.port);
  const protocolClash = samePort.some((o) => (kindsByProtocol[o.protocol] ? !compatible(o.protocol, l.protocol) : false));
  const hostClash = samePort.some((o) => o.protocol === l.protocol && (o.hostname ?? '') === (l.hostname ?? ''));
  if (protocolClash || hostClash) {
    drafts.push({ type: 'Conflicted', status: 'True', reason: protocolClash ? 'ProtocolConflict' : 'HostnameConflict', message: protocolClash ? `another listener uses port ${l.port} with an incompatible protocol` : `another listener uses port ${l.port} with the same hostname` });
  } else {
    drafts.push({ type: 'Conflicted', status: 'False', reason: 'NoConflicts', message: '' });
  }
  const invalidKinds = requested && kinds.length < requested.length;
  drafts.push(
    { type: 'Accepted', status: protocolClash || hostClash ? 'False' : 'True', reason: protocolClash || hostClash ? (protocolClash ? 'ProtocolConflict' : 'HostnameConflict') : 'Accepted', message: '' },
    { type: 'ResolvedRefs', status: invalidKinds ? 'False' : 'True', reason: invalidKinds ? 'InvalidRouteKinds' : 'ResolvedRefs', message: invalidKinds ? `route kinds not supported by ${l.protocol}: ${requested!.filter((k) => !kinds.includes(k.kind)).map((k) => k.kind).join(', ')}` : '' },
    { type: 'Programmed', status: 'Unknown', reason: 'Pending', message: 'waiting for the Envoy configuration pipeline' },
  );
  return { drafts, kinds, valid: !(protocolClash || hostClash) };
}

function compatible(a: string, b: string): boolean {
  const l7 = ['HTTP', 'HTTPS', 'TLS'];
  // HTTPS and TLS share a port through SNI; HTTP needs its own port; TCP owns its port.
  if (a === b) return true;
  return a !== 'HTTP' && b !== 'HTTP' && l7.includes(a) && l7.includes(b);
}

export function computeGatewayStatus(
  state: GatewayState,
  previous: { conditions: readonly Condition[]; listeners: readonly ListenerStatus[] },
  now: string,
): { conditions: Condition[]; listeners: ListenerStatus[] } {
  const listeners = state.listeners.map((l) => {
    const { drafts, kinds, valid } = listenerDrafts(l, state.listeners);
    const attached = valid
      ? state.attachedRoutes.filter((r) => kinds.includes(r.kind) && (r.sectionName === undefined || r.sectionName === l.name) && (r.port === undefined || r.port === l.port)).length
      : 0;
    const prior = previous.listeners.find((p) => p.name === l.name)?.conditions ?? [];
    return {
      name: l.name,
      supportedKinds: kinds.map((kind) => ({ group: GROUP, kind })),
      attachedRoutes: attached,
      conditions: mergeConditions(prior, drafts, state.generation, now),
      valid,
    };
  });
  const validCount = listeners.filter((l) => l.valid).length;
  const drafts: Draft[] = [];
  if (state.listeners.length > 0 && validCount === 0) {
    drafts.push({ type: 'Accepted', status: 'False', reason: 'ListenersNotValid', message: 'no listener is valid' });
  } else if (validCount < state.listeners.length) {
    drafts.push({ type: 'Accepted', status: 'True', reason: 'ListenersNotValid', message: `${state.listeners.length - validCount} of ${state.listeners.length} listeners are not valid` });
  } else {
    drafts.push({ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'the gateway is accepted' });
  }
  if (!state.address) {
    drafts.push({ type: 'Programmed', status: 'False', reason: 'AddressNotAssigned', message: 'no address has been allocated' });
  } else {
    drafts.push({ type: 'Programmed', status: 'Unknown', reason: 'Pending', message: 'waiting for the Envoy configuration pipeline' });
  }
  return {
    conditions: mergeConditions(previous.conditions, drafts, state.generation, now),
    listeners: listeners.map(({ valid: _valid, ...rest }) => rest),
  };
}
