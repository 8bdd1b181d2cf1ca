// Makes a TCP service of the test's own network namespace reachable at the same address inside another
// namespace, without touching the host's network: a unix socket (files cross namespaces) carries each
// connection between a listener in the namespace and the service.
import { rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { Lab } from './netns.js';

// argv: <listen host> <port> <unix socket>; prints `ready` once listening.
const INNER = `
const net = require('node:net');
const [host, port, path] = process.argv.slice(1);
net.createServer((c) => {
  const u = net.connect(path);
  c.pipe(u).pipe(c);
  c.on('error', () => u.destroy());
  u.on('error', () => c.destroy());
}).listen(Number(port), host, () => process.stdout.write('ready\\n'));
`;

export interface Relay {
  close(): Promise<void>;
}

/** `host:port` inside `ns` reaches `host:port` of this process's namespace (an API, the EPIC cluster). */
export async function relayInto(lab: Lab, ns: string, host: string, port: number): Promise<Relay> {
  const path = join(lab.dir, `relay-${port}.sock`);
  rmSync(path, { force: true });
  const open = new Set<net.Socket>();
  const outer = net.createServer((c) => {
    const t = net.connect(port, host);
    open.add(c);
    c.on('close', () => open.delete(c));
    c.pipe(t).pipe(c);
    c.on('error', () => t.destroy());
    t.on('error', () => c.destroy());
  });
  await new Promise<void>((resolve) => outer.listen(path, resolve));
  const inner = lab.spawn(ns, process.execPath, ['-e', INNER, host, String(port), path]);
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`relay into ${ns}: ${inner.output()}`)), 10_000);
    inner.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  return {
    async close() {
      inner.kill('SIGTERM');
      const closed = new Promise((r) => outer.close(r));
      for (const c of open) c.destroy();
      await closed;
      rmSync(path, { force: true });
    },
  };
}
