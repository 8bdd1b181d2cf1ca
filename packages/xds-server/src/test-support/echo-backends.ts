// gRPC echo servers on loopback standing in for a gateway's pods; each replies with its name.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export interface EchoReply {
  backend: string;
  message: string;
}

export type EchoClient = grpc.Client & {
  Echo(
    req: { message: string },
    md: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, r?: EchoReply) => void,
  ): grpc.ClientUnaryCall;
  Shout(
    req: { message: string },
    md: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, r?: EchoReply) => void,
  ): grpc.ClientUnaryCall;
};

type EchoService = grpc.ServiceClientConstructor;

let service: EchoService | undefined;

export function echoService(): EchoService {
  if (service) return service;
  const definition = protoLoader.loadSync(fileURLToPath(new URL('./echo.proto', import.meta.url)), {
    keepCase: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { epic: { test: { Echo: EchoService } } };
  service = pkg.epic.test.Echo;
  return service;
}

export interface Backend {
  name: string;
  port: number;
  server: grpc.Server;
}

export async function startBackend(name: string): Promise<Backend> {
  const server = new grpc.Server();
  const reply =
    (suffix: string) =>
    (call: grpc.ServerUnaryCall<{ message: string }, EchoReply>, cb: grpc.sendUnaryData<EchoReply>): void =>
      cb(null, { backend: name, message: call.request.message + suffix });
  server.addService(echoService().service, { Echo: reply(''), Shout: reply('!') });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { name, port, server };
}

export function stopBackends(backends: Backend[]): void {
  for (const b of backends) b.server.forceShutdown();
}

/** Unary call helper: resolves with the reply, rejects with the gRPC error. */
export function call(
  client: EchoClient,
  method: 'Echo' | 'Shout',
  headers: Record<string, string> = {},
  deadlineMs = 5000,
): Promise<EchoReply> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) md.set(k, v);
  return new Promise((resolve, reject) => {
    client[method]({ message: 'hi' }, md, { deadline: Date.now() + deadlineMs }, (err, r) =>
      err || !r ? reject(err) : resolve(r),
    );
  });
}
