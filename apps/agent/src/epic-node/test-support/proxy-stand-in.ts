// A stand-in for one Envoy of a gateway, run inside the proxy's network namespace: the gRPC team's xDS client
// (@grpc/grpc-js-xds) subscribes to the API's xDS server under the gateway's proxyless node id, so the API sees a
// real ACK of the gateway's revision; and an HTTP listener on the gateway's address answers with the pod's name,
// so a request that reaches it says which proxy it reached.
//
// argv: <xDS server URI (unix:///path)> <node id> <xds target host> <pod name> <listen address> <port>...
// Prints `ready` once every port listens; runs until stdin closes or it is killed.
import { createServer } from 'node:http';
import * as grpc from '@grpc/grpc-js';

const [serverUri, nodeId, target, podName, address, ...ports] = process.argv.slice(2);
if (!serverUri || !nodeId || !target || !podName || !address || ports.length === 0) {
  process.stderr.write('usage: proxy-stand-in <xds uri> <node id> <target> <pod> <address> <port>...\n');
  process.exit(2);
}

process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
  xds_servers: [
    { server_uri: serverUri, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] },
  ],
  node: { id: nodeId, cluster: nodeId.split('.')[0], locality: {} },
});
const xds = await import('@grpc/grpc-js-xds');
xds.register();
// Channels resolve lazily: asking for the state with tryToConnect starts the LDS → RDS → CDS → EDS subscription.
const channel = new grpc.Client(`xds:///${target}`, grpc.credentials.createInsecure());
channel.getChannel().getConnectivityState(true);

let listening = 0;
for (const port of ports) {
  createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`${podName} ${req.url ?? ''}\n`);
  }).listen(Number(port), address, () => {
    if (++listening === ports.length) process.stdout.write('ready\n');
  });
}
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
