// The EPIC cluster's API server for bench/provision.ts, in its own process as a kube-apiserver is: its CPU
// (server-side apply, managed fields, the garbage collector) is not on the event loop of the API it serves.
// argv: <kubeconfig path>. Writes the kubeconfig, prints "ready", runs until stdin closes.
import { startKubeTestServer } from '@epic/kube-testserver';

const [path] = process.argv.slice(2);
const server = await startKubeTestServer();
server.writeKubeconfig(path!);
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close().then(() => process.exit(0));
});
