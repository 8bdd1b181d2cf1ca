/**
 * A minimal graphql-transport-ws client for the API's `gatewayStatusChanged` subscription. The socket is
 * same-origin, so the browser sends the session cookie with the upgrade; the API accepts a cookie only from
 * its own origin. Reconnects with a capped back-off; `onState` says whether it is live.
 */
export type LiveState = 'connecting' | 'live' | 'offline';

const QUERY =
  'subscription ($id: ID!) { gatewayStatusChanged(gatewayId: $id) { id generation observedGeneration } }';

export function subscribeGatewayStatus(
  gatewayId: string,
  onEvent: () => void,
  onState: (s: LiveState) => void,
): () => void {
  let ws: WebSocket | undefined;
  let stopped = false;
  let retry = 500;
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
        socket.send(
          JSON.stringify({
            id: '1',
            type: 'subscribe',
            payload: { query: QUERY, variables: { id: gatewayId } },
          }),
        );
      } else if (msg.type === 'next') onEvent();
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
