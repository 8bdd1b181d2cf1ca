/**
 * The gateways whose topology someone subscribed to on this replica (`gatewayTopologyChanged`), counted per
 * gateway: after its LISTEN connection was away, the fan-out nudges each of them once (the notifications sent
 * meanwhile were lost; docs/adr/0801-topology-subscription.md).
 */
export const TOPOLOGY_CHANNEL = 'epic_gateway_topology';
export const topologyTopic = (gatewayId: string) => `gateway-topology:${gatewayId}`;

const watches = new WeakMap<object, Map<string, number>>();

export function topologyWatchesOf(app: object): ReadonlyMap<string, number> {
  return watches.get(app) ?? new Map();
}

/** Counts the stream while it is open: its end (return, throw, or done) forgets it, once. */
export function watchTopology<T>(
  app: object,
  gatewayId: string,
  source: AsyncIterator<T>,
): AsyncIterableIterator<T> {
  let map = watches.get(app);
  if (!map) watches.set(app, (map = new Map()));
  const m = map;
  m.set(gatewayId, (m.get(gatewayId) ?? 0) + 1);
  let open = true;
  const forget = () => {
    if (!open) return;
    open = false;
    const n = (m.get(gatewayId) ?? 1) - 1;
    if (n > 0) m.set(gatewayId, n);
    else m.delete(gatewayId);
  };
  const self: AsyncIterableIterator<T> = {
    next: async () => {
      try {
        const r = await source.next();
        if (r.done) forget();
        return r;
      } catch (err) {
        forget();
        throw err;
      }
    },
    return: async (value?: unknown) => {
      forget();
      return (await source.return?.(value)) ?? { value: undefined, done: true };
    },
    throw: async (err?: unknown) => {
      forget();
      if (source.throw) return source.throw(err);
      throw err;
    },
    [Symbol.asyncIterator]: () => self,
  };
  return self;
}
