// A grpc-js-xds client in its own process (used by bench/xds.ts so the measured proxy does not share the
// control plane's heap and event loop). argv: <xds port> <node id> <listener>. Runs until stdin closes.
import { useXdsClient, xdsEchoClient } from './xds-client.js';

const [port, nodeId, listener] = process.argv.slice(2);
await useXdsClient(Number(port), nodeId!);
const client = xdsEchoClient(listener!);
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => {
  client.close();
  process.exit(0);
});
