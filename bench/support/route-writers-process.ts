// Concurrent REST writers of route changes (bench/xds-api.ts, sustained phase), in their own process so their
// HTTP client does not share the control plane's CPU time. argv: one JSON object
// { base, key, seconds, writers, backendPort, routes: [{ id, name, gateway, host }] }. Each writer changes a random
// route that no other writer is changing (a new canary header value `<route name>.<seq>`, seq counting per route) and sends the next change as
// soon as the previous answered. Prints one JSON line: { changes: [[route index, seq, t0 epoch ms]], failed, errors }.
interface Config {
  base: string;
  key: string;
  seconds: number;
  writers: number;
  backendPort: number;
  routes: Array<{ id: string; name: string; gateway: string; host: string }>;
}
const cfg = JSON.parse(process.argv[2]!) as Config;
const seq = cfg.routes.map(() => 0);
const changes: Array<[number, number, number]> = [];
const errors: string[] = [];
let failed = 0;
const busy = new Set<number>();
const headers = { authorization: `Bearer ${cfg.key}`, 'content-type': 'application/json' };
const spec = (gateway: string, host: string, canary: string) => ({
  parentRefs: [{ name: gateway }],
  hostnames: [host],
  rules: [
    {
      matches: [{ method: { service: 'epic.test.Echo', method: 'Echo' } }],
      backendRefs: [{ name: 'echo', port: cfg.backendPort }],
    },
    {
      matches: [{ headers: [{ name: 'x-canary', value: canary }] }],
      backendRefs: [{ name: 'echo', port: cfg.backendPort }],
    },
  ],
});
const end = Date.now() + cfg.seconds * 1000;
async function writer() {
  while (Date.now() < end) {
    // One change of a route at a time: its seq order is its commit order.
    let i = Math.floor(Math.random() * cfg.routes.length);
    while (busy.has(i)) i = (i + 1) % cfg.routes.length;
    busy.add(i);
    const r = cfg.routes[i]!;
    const s = ++seq[i]!;
    const t0 = performance.timeOrigin + performance.now();
    try {
      const res = await fetch(`${cfg.base}/routes/${r.id}`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ spec: spec(r.gateway, r.host, `${r.name}.${s}`) }),
      });
      await res.text();
      if (res.status !== 200) throw new Error(`PUT → ${res.status}`);
      changes.push([i, s, t0]);
    } catch (err) {
      failed += 1;
      if (errors.length < 5) errors.push((err as Error).message);
    } finally {
      busy.delete(i);
    }
  }
}
await Promise.all(Array.from({ length: cfg.writers }, writer));
process.stdout.write(`${JSON.stringify({ changes, failed, errors })}\n`);
export {};
