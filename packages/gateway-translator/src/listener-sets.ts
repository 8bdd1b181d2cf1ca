import { compareStrings } from './backends.js';
import { condition, ConditionType, Reason, type Condition } from './conditions.js';
import type { ListenerSetInput, TranslateInput } from './input.js';
import { analyzeListeners, portFamily, type AnalyzedListener } from './listeners.js';
import { GATEWAY_GROUP, namespaceLabels, selectorMatches } from './references.js';
import type { ListenerSetStatus } from './status.js';

// GEP-1713 ListenerSets: listeners that attach to a parent Gateway. The Gateway's listeners and those of its
// attached ListenerSets form one merged list, in the spec's precedence: the Gateway's own first, then
// ListenerSets by creationTimestamp (oldest first), then by "namespace/name". A ListenerSet listener that
// conflicts with an earlier one in that list (same port with another protocol family, or the same hostname
// on the same port) is the one rejected: Conflicted=True and Accepted/Programmed=False with the conflict's
// reason, and it is not rendered. Conflicts among the Gateway's own listeners keep their rule
// (docs/adr/0450-gateway-translator-pipeline.md): every one of them is conflicted.

/** What the translator made of one ListenerSet whose parentRef names this Gateway. */
export interface ListenerSetVerdict {
  set: ListenerSetInput;
  /** Selected by the Gateway's allowedListeners and the Gateway accepted: its listeners are merged. */
  attached: boolean;
  /** Why it is not attached. */
  refusal?: { reason: Reason; message: string };
  /** Its analyzed listeners (empty when not attached), in its own order. */
  listeners: AnalyzedListener[];
}

/** Whether `namespace/name` is the gateway or one of its aliases (the Gateway objects of a shared gateway). */
export function namesGateway(input: TranslateInput, namespace: string, name: string): boolean {
  const { gateway } = input;
  if (namespace === gateway.namespace && name === gateway.name) return true;
  return (gateway.aliases ?? []).some((a) => a.namespace === namespace && a.name === name);
}

/** True when a ListenerSet's parentRef names the gateway (group and kind default to a Gateway). */
export function targetsGatewayOf(set: ListenerSetInput, input: TranslateInput): boolean {
  const ref = set.spec.parentRef;
  return (
    (ref.group ?? GATEWAY_GROUP) === GATEWAY_GROUP &&
    (ref.kind ?? 'Gateway') === 'Gateway' &&
    namesGateway(input, ref.namespace ?? set.namespace, ref.name)
  );
}

/** The spec's precedence among ListenerSets: oldest creationTimestamp first, then "namespace/name". */
function comparePrecedence(a: ListenerSetInput, b: ListenerSetInput): number {
  const ta = a.creationTimestamp !== undefined ? Date.parse(a.creationTimestamp) : Number.POSITIVE_INFINITY;
  const tb = b.creationTimestamp !== undefined ? Date.parse(b.creationTimestamp) : Number.POSITIVE_INFINITY;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return compareStrings(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`);
}

/**
 * Whether the Gateway's allowedListeners selects ListenerSets from `namespace` (default: none); `Same` is the
 * namespace of the Gateway object the ListenerSet's parentRef names (`parentNamespace`).
 */
export function listenerSetAllowed(
  input: TranslateInput,
  namespace: string,
  parentNamespace: string,
): boolean {
  const ns = input.gateway.allowedListeners?.namespaces;
  const from = ns?.from ?? 'None';
  if (from === 'All') return true;
  if (from === 'Same') return namespace === parentNamespace;
  if (from === 'Selector')
    return (
      ns?.selector !== undefined && selectorMatches(ns.selector, namespaceLabels(input.namespaces, namespace))
    );
  return false;
}

/**
 * The ListenerSets that name this Gateway, in precedence order, each analyzed and checked for conflicts
 * against every earlier listener of the merged list (`own`: the Gateway's analyzed listeners).
 */
export function mergeListenerSets(
  input: TranslateInput,
  own: readonly AnalyzedListener[],
  gatewayAccepted: boolean,
): ListenerSetVerdict[] {
  const sets = (input.listenerSets ?? []).filter((s) => targetsGatewayOf(s, input)).sort(comparePrecedence);
  // Earlier listeners that hold a port (and hostname there): accepted and not conflicted.
  const taken: AnalyzedListener[] = own.filter((l) => l.accepted && l.programmable);
  const takenUnprogrammed: AnalyzedListener[] = own.filter((l) => l.accepted && !l.programmable);
  const verdicts: ListenerSetVerdict[] = [];
  for (const set of sets) {
    if (!listenerSetAllowed(input, set.namespace, set.spec.parentRef.namespace ?? set.namespace)) {
      verdicts.push({
        set,
        attached: false,
        refusal: {
          reason: Reason.NotAllowed,
          message: `the Gateway's allowedListeners does not select namespace ${set.namespace}`,
        },
        listeners: [],
      });
      continue;
    }
    if (!gatewayAccepted) {
      verdicts.push({
        set,
        attached: false,
        refusal: { reason: Reason.ParentNotAccepted, message: 'the parent Gateway is not accepted' },
        listeners: [],
      });
      continue;
    }
    const owner = { id: set.id, namespace: set.namespace, name: set.name, generation: set.generation };
    const listeners = set.spec.listeners.map((spec) => {
      // One at a time: conflicts inside the ListenerSet follow the merged list's precedence too.
      const [analyzed] = analyzeListeners(
        input.gateway,
        input.certificates,
        input.referenceGrants,
        input.caBundles ?? [],
        { owner, listeners: [spec] },
      );
      if (analyzed === undefined) throw new Error('unreachable: one listener in, one out');
      if (!analyzed.accepted) return analyzed;
      const conflict = conflictWith(analyzed, [...taken, ...takenUnprogrammed]);
      if (conflict !== undefined) return conflicted(analyzed, conflict, set.generation);
      (analyzed.programmable ? taken : takenUnprogrammed).push(analyzed);
      return analyzed;
    });
    verdicts.push({ set, attached: true, listeners });
  }
  return verdicts;
}

function conflictWith(
  l: AnalyzedListener,
  earlier: readonly AnalyzedListener[],
): { reason: Reason; message: string; with: AnalyzedListener } | undefined {
  const samePort = earlier.filter((e) => e.spec.port === l.spec.port);
  const protocol = samePort.find((e) => portFamily(e.spec.protocol) !== portFamily(l.spec.protocol));
  if (protocol !== undefined) {
    return {
      reason: Reason.ProtocolConflict,
      message: `port ${l.spec.port} is already used by listener ${describe(protocol)} with protocol ${protocol.spec.protocol}`,
      with: protocol,
    };
  }
  const key = (x: AnalyzedListener) =>
    x.spec.protocol === 'TCP' ? '' : (x.spec.hostname ?? '').toLowerCase();
  const hostname = samePort.find((e) => key(e) === key(l));
  if (hostname !== undefined) {
    return {
      reason: Reason.HostnameConflict,
      message: `listener ${describe(hostname)} already serves ${key(l) || 'every hostname'} on port ${l.spec.port}`,
      with: hostname,
    };
  }
  return undefined;
}

function describe(l: AnalyzedListener): string {
  return l.owner === undefined
    ? `${l.spec.name} of the Gateway`
    : `${l.spec.name} of ListenerSet ${l.owner.namespace}/${l.owner.name}`;
}

/** The later listener of a conflict: not accepted, not programmed, Conflicted=True, routes cannot attach. */
function conflicted(
  l: AnalyzedListener,
  conflict: { reason: Reason; message: string },
  gen: number,
): AnalyzedListener {
  const base = l.conditions;
  return {
    ...l,
    accepted: false,
    programmable: false,
    supportedKinds: [],
    conditions: (attachedRoutes) =>
      base(attachedRoutes).map((c): Condition => {
        if (c.type === ConditionType.Accepted || c.type === ConditionType.Programmed)
          return condition(c.type, false, conflict.reason, conflict.message, gen);
        if (c.type === ConditionType.Conflicted)
          return condition(ConditionType.Conflicted, true, conflict.reason, conflict.message, gen);
        return c;
      }),
  };
}

/** Status of each ListenerSet, given how many routes attached to each of its listeners. */
export function listenerSetStatuses(
  verdicts: readonly ListenerSetVerdict[],
  attachedRoutes: (l: AnalyzedListener) => number,
): ListenerSetStatus[] {
  return verdicts.map(({ set, attached, refusal, listeners }) => {
    const gen = set.generation;
    const base = { id: set.id, namespace: set.namespace, name: set.name, observedGeneration: gen };
    if (!attached) {
      const r = refusal ?? { reason: Reason.NotAllowed, message: 'not attached' };
      return {
        ...base,
        conditions: [
          condition(ConditionType.Accepted, false, r.reason, r.message, gen),
          condition(ConditionType.Programmed, false, r.reason, r.message, gen),
        ],
        listeners: [],
      };
    }
    // A listener is valid when it is accepted and can be programmed: one whose references do not resolve (a
    // certificate without a ReferenceGrant) is not, and a ListenerSet of only such listeners is not accepted
    // (GEP-1713; upstream ListenerSetReferenceGrant).
    const valid = listeners.filter((l) => l.accepted && l.programmable).length;
    const programmed = listeners.filter((l) => l.programmable).length;
    const accepted =
      valid === 0
        ? condition(ConditionType.Accepted, false, Reason.ListenersNotValid, 'no listener is valid', gen)
        : valid < listeners.length
          ? condition(
              ConditionType.Accepted,
              true,
              Reason.ListenersNotValid,
              'some listeners are not valid',
              gen,
            )
          : condition(ConditionType.Accepted, true, Reason.Accepted, 'ListenerSet accepted', gen);
    const prog =
      valid === 0
        ? condition(ConditionType.Programmed, false, Reason.ListenersNotValid, 'no listener is valid', gen)
        : programmed === 0
          ? condition(ConditionType.Programmed, false, Reason.Invalid, 'no listener can be programmed', gen)
          : condition(
              ConditionType.Programmed,
              true,
              Reason.Programmed,
              `${programmed} listener(s) translated`,
              gen,
            );
    return {
      ...base,
      conditions: [accepted, prog],
      listeners: listeners.map((l) => {
        const n = attachedRoutes(l);
        return {
          name: l.spec.name,
          attachedRoutes: n,
          supportedKinds: l.supportedKinds.map((kind) => ({ group: GATEWAY_GROUP, kind })),
          conditions: l.conditions(n),
        };
      }),
    };
  });
}

/** Attached ListenerSets count (attached and Accepted=True), as the Gateway's `attachedListenerSets` says. */
export function attachedListenerSetCount(statuses: readonly ListenerSetStatus[]): number {
  return statuses.filter((s) =>
    s.conditions.some((c) => c.type === ConditionType.Accepted && c.status === 'True'),
  ).length;
}

/**
 * The Gateway's AttachedListenerSets condition; only reported when the Gateway says something about
 * ListenerSets (allowedListeners set) or one names it, so Gateways without ListenerSets keep their status.
 */
export function attachedListenerSetsCondition(
  input: TranslateInput,
  verdicts: readonly ListenerSetVerdict[],
  attached: number,
): Condition | undefined {
  const gen = input.gateway.generation;
  const from = input.gateway.allowedListeners?.namespaces?.from ?? 'None';
  if (input.gateway.allowedListeners === undefined && verdicts.length === 0) return undefined;
  if (attached > 0)
    return condition(
      ConditionType.AttachedListenerSets,
      true,
      Reason.ListenerSetsAttached,
      `${attached} ListenerSet(s) attached`,
      gen,
    );
  if (from === 'None' && verdicts.length > 0)
    return condition(
      ConditionType.AttachedListenerSets,
      false,
      Reason.ListenerSetsNotAllowed,
      'the Gateway does not allow ListenerSets (allowedListeners)',
      gen,
    );
  return condition(
    ConditionType.AttachedListenerSets,
    false,
    Reason.NoListenerSetsAttached,
    'no ListenerSet is attached',
    gen,
  );
}
