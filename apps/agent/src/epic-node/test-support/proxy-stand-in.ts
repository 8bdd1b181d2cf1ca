// A stand-in for one Envoy of a gateway, run inside the proxy's network namespace: the gRPC team's xDS client
// (@grpc/grpc-js-xds) subscribes to the API's xDS server under the gateway's proxyless node id, so the API sees a
// real ACK of the gateway's revision; and an HTTP listener on the gateway's address answers with the pod's name,
// so a request that reaches it says which proxy it reached.
//
// Started ahead (loading the xDS client takes seconds), it prints `started`, then reads one JSON line on stdin:
//   { "serverUri": "unix:///path", "nodeId": "...", "target": "host", "podName": "...", "address": "...",
//     "ports": [80] }
// and prints `ready` once every port listens. Runs until stdin closes or it is killed.
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
// grpc-js-xds reads its bootstrap when the first xds: channel resolves, not when it is loaded.
import * as xds from '@grpc/grpc-js-xds';

interface StandInConfig {
  serverUri: string;
  nodeId: string;
  target: string;
  podName: string;
  address: string;
  ports: number[];
}

xds.register();
process.stdout.write('started\n');
const lines = createInterface({ input: process.stdin });
lines.once('line', (line) => {
  const c = JSON.parse(line) as StandInConfig;
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [
      { server_uri: c.serverUri, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] },
    ],
    node: { id: c.nodeId, cluster: c.nodeId.split('.')[0], locality: {} },
  });
  // Channels resolve lazily: asking for the state with tryToConnect starts the LDS → RDS → CDS → EDS subscription.
  const channel = new grpc.Client(`xds:///${c.target}`, grpc.credentials.createInsecure());
  channel.getChannel().getConnectivityState(true);
  let listening = 0;
  for (const port of c.ports) {
    createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${c.podName} ${req.url ?? ''}\n`);
    }).listen(port, c.address, () => {
      if (++listening === c.ports.length) process.stdout.write('ready\n');
    });
  }
});
lines.on('close', () => process.exit(0));
