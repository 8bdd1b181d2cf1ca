// Points the gRPC team's xDS client (@grpc/grpc-js-xds) at a server on loopback. Its bootstrap is read once
// per process, so each test file that uses it runs in its own process with one node id.
import * as grpc from '@grpc/grpc-js';
import { type EchoClient, echoService } from './echo-backends.js';

let registeredFor: string | undefined;

export async function useXdsClient(xdsPort: number, nodeId: string): Promise<void> {
  const config = {
    xds_servers: [
      {
        server_uri: `127.0.0.1:${xdsPort}`,
        channel_creds: [{ type: 'insecure' }],
        server_features: ['xds_v3'],
      },
    ],
    node: { id: nodeId, cluster: nodeId.split('.')[0], locality: {} },
  };
  if (registeredFor !== undefined) {
    if (registeredFor !== JSON.stringify(config))
      throw new Error('grpc-js-xds is already bootstrapped differently in this process');
    return;
  }
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify(config);
  const xds = await import('@grpc/grpc-js-xds');
  xds.register();
  registeredFor = JSON.stringify(config);
}

/** A client for `xds:///<listener>`: LDS resource `<listener>` decides where its RPCs go. */
export function xdsEchoClient(listener: string): EchoClient {
  const Ctor = echoService();
  const client = new Ctor(`xds:///${listener}`, grpc.credentials.createInsecure()) as unknown as EchoClient;
  // Channels resolve lazily; start the xDS subscription now so ACKs can be awaited before the first RPC.
  client.getChannel().getConnectivityState(true);
  return client;
}
