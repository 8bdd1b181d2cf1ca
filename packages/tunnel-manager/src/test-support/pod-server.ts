// Runs in the pod namespace: HTTP on 8080 (GET /hello, GET /blob?bytes=N), TCP echo on the other ports given.
import { createServer as createHttp } from 'node:http';
import { createServer as createTcp } from 'node:net';
import { blobChunks } from './blob.js';

const [httpPort, ...echoPorts] = process.argv.slice(2).map(Number);
const http = createHttp((req, res) => {
  const url = new URL(req.url ?? '/', 'http://pod');
  if (url.pathname === '/hello') {
    res.end(`hello from pod ${req.socket.localAddress} to ${req.socket.remoteAddress}\n`);
    return;
  }
  if (url.pathname === '/blob') {
    const bytes = Number(url.searchParams.get('bytes') ?? '0');
    res.writeHead(200, { 'content-length': String(bytes), 'content-type': 'application/octet-stream' });
    const chunks = blobChunks(bytes);
    const pump = (): void => {
      for (let n = chunks.next(); !n.done; n = chunks.next()) {
        if (!res.write(n.value)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
    return;
  }
  res.statusCode = 404;
  res.end();
});
http.listen(httpPort ?? 8080, '0.0.0.0');
// The same handler on IPv6 (a separate socket, so IPv4 peers keep plain IPv4 addresses).
const http6 = createHttp(http.listeners('request')[0] as Parameters<typeof createHttp>[1]);
http6.listen({ port: httpPort ?? 8080, host: '::', ipv6Only: true });
for (const port of echoPorts) {
  createTcp((s) => {
    s.setNoDelay(true);
    s.pipe(s);
    s.on('error', () => undefined);
  }).listen(port, '0.0.0.0');
}
http.on('listening', () => process.stdout.write('ready\n'));
