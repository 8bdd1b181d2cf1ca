/**
 * A minimal graphql-transport-ws client for the gateway page's live updates: one socket carrying the API's
 * `gatewayStatusChanged` and `gatewayTopologyChanged` subscriptions (docs/adr/0801-topology-subscription.md).
 * The socket is same-origin, so the browser sends the session cookie with the upgrade; the API accepts a cookie
 * only from its own origin. Reconnects with a capped back-off; `onState` says whether it is live. Every event,
 * and every connection after the first (events sent while the socket was away are lost), calls `onEvent`.
 */
export type LiveState = 'connecting' | 'live' | 'offline';

export const GATEWAY_STATUS_SUBSCRIPTION =
  'subscription GatewayStatus($id: ID!) { gatewayStatusChanged(gatewayId: $id) { id generation observedGeneration } }';
export const GATEWAY_TOPOLOGY_SUBSCRIPTION =
  'subscription GatewayTopology($id: ID!) { gatewayTopologyChanged(gatewayId: $id) { gatewayId } }';

/** What an event says changed (the page reads the topology again for either). */
export type LiveEvent = 'status' | 'topology' | 'reconnected';

const IDS: Record<string, LiveEvent> = { status: 'status', topology: 'topology' };

export function subscribeGateway(
  gatewayId: string,
  onEvent: (what: LiveEvent) => void,
  onState: (s: LiveState) => void,
): () => void {
  let ws: WebSocket | undefined;
  let stopped = false;
  let retry = 500;
  let connected = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = () => {
    if (stopped) return;
    onState('connecting');
    const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql`;
    const socket = new WebSocket(url, 'graphql-transport-ws');
    ws = socket;
    socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    socket.onmessage = (m) => {
      const msg = JSON.parse(String(m.data)) as { type: string; id?: string };
      if (msg.type === 'connection_ack') {
        retry = 500;
        onState('live');
        const subscribe = (id: string, query: string) =>
          socket.send(
            JSON.stringify({ id, type: 'subscribe', payload: { query, variables: { id: gatewayId } } }),
          );
        subscribe('status', GATEWAY_STATUS_SUBSCRIPTION);
        subscribe('topology', GATEWAY_TOPOLOGY_SUBSCRIPTION);
        // Back after a lost socket: what changed meanwhile was not sent.
        if (connected) onEvent('reconnected');
        connected = true;
      } else if (msg.type === 'next') onEvent(IDS[msg.id ?? ''] ?? 'topology');
      else if (msg.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
      else if (msg.type === 'error' || msg.type === 'complete') socket.close();
    };
    socket.onclose = () => {
      if (stopped) return;
      onState('offline');
      timer = setTimeout(open, retry);
      retry = Math.min(retry * 2, 15_000);
    };
  };
  open();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    ws?.close();
  };
}
