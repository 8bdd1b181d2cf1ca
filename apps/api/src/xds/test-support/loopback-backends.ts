// gRPC echo servers standing in for pods: one per loopback address (127.0.0.2, 127.0.0.3, ...), all on the same
// port, so a static-endpoints Service can list several of them the way an EndpointSlice lists pods.
import * as grpc from '@grpc/grpc-js';
import { echoService, type EchoReply } from '@epic/xds-server/test-support';

export interface Pod {
  name: string;
  address: string;
}

export interface Pods {
  port: number;
  pods: Record<string, Pod>;
  stop(): void;
}

function bind(server: grpc.Server, hostPort: string): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(hostPort, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
}

function echoServer(name: string): grpc.Server {
  const server = new grpc.Server();
  const reply =
    (suffix: string) =>
    (call: grpc.ServerUnaryCall<{ message: string }, EchoReply>, cb: grpc.sendUnaryData<EchoReply>): void =>
      cb(null, { backend: name, message: call.request.message + suffix });
  server.addService(echoService().service, { Echo: reply(''), Shout: reply('!') });
  return server;
}

/** Starts `names[i]` on 127.0.0.(i+2), all on one free port. */
export async function startPods(names: readonly string[]): Promise<Pods> {
  const servers: grpc.Server[] = [];
  const pods: Record<string, Pod> = {};
  let port = 0;
  try {
    for (const [i, name] of names.entries()) {
      const address = `127.0.0.${i + 2}`;
      const server = echoServer(name);
      servers.push(server);
      port = await bind(server, `${address}:${port}`);
      pods[name] = { name, address };
    }
  } catch (err) {
    for (const s of servers) s.forceShutdown();
    throw err;
  }
  return { port, pods, stop: () => servers.forEach((s) => s.forceShutdown()) };
}
