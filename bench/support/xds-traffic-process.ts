// A grpc-js-xds client in its own process sending RPCs without pause through an EPIC gateway (bench/xds-api.ts,
// sustained phase). argv: <xds port> <node id> <listener>. Prints "ready" after its first successful RPC, then
// keeps 4 callers busy until stdin closes, and prints its report (RPCs that succeeded, failed, first errors).
import { call, startTraffic, useXdsClient, xdsEchoClient } from '@epic/xds-server/test-support';

const [port, nodeId, listener] = process.argv.slice(2);
await useXdsClient(Number(port), nodeId!);
const client = xdsEchoClient(listener!);
for (let i = 0; ; i++) {
  try {
    await call(client, 'Echo', {}, 5000);
    break;
  } catch (err) {
    if (i > 100) throw err;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const traffic = startTraffic(client, 4);
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => {
  void traffic.stop().then((report) => {
    process.stdout.write(`report ${JSON.stringify(report)}\n`);
    client.close();
    process.exit(0);
  });
});
