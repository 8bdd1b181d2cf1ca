// A TCP proxy in front of the EPIC API that a test can take down: new connections are reset and open
// (kept-alive) ones destroyed, as when the API's host or the network between goes away.
import net from 'node:net';

export interface ResettingProxy {
  url: string;
  down: boolean;
  close(): void;
}

export async function resettingProxy(port: number): Promise<ResettingProxy> {
  const state = { down: false };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (state.down) return void client.resetAndDestroy();
    const upstream = net.connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
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
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    get down() {
      return state.down;
    },
    set down(v: boolean) {
      state.down = v;
      if (v) for (const s of sockets) s.destroy();
    },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
