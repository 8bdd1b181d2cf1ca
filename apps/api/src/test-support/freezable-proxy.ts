import net from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that can be told to swallow everything in both directions, as a frozen
 * server does (connections stay open, nothing is answered). Loopback only.
 */
export interface FreezableProxy {
  /** `url` with its host and port pointed at the proxy. */
  url: string;
  frozen: boolean;
  close(): void;
}

export async function freezableProxy(url: string): Promise<FreezableProxy> {
  const target = new URL(url);
  const sockets = new Set<net.Socket>();
  const state = { frozen: false };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (d) => void (!state.frozen && upstream.write(d)));
    upstream.on('data', (d) => void (!state.frozen && client.write(d)));
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as net.AddressInfo).port);
  return {
    url: proxied.toString(),
    get frozen() {
      return state.frozen;
    },
    set frozen(v: boolean) {
      state.frozen = v;
    },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
