// `npm run bench -- kube [objects] [watchers] [creates in flight] [--http]`: 10,000 ConfigMaps created, listed and watched by 10 concurrent
// watchers against @epic/kube-testserver. The server runs in a child process so that client work (JSON parsing
// in the watchers) does not share its event loop. Delivery latency runs from the server's commit of an event
// (a store watcher in the server process stamps it) to a watcher having parsed it; the end-to-end figure runs
// from the moment the creating request is sent (it includes request handling and queueing behind other creates).
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startKubeTestServer } from '@epic/kube-testserver';

interface Endpoint {
  url: string;
  token: string;
  ca: string;
}

const now = (): number => performance.timeOrigin + performance.now();

async function serve(): Promise<void> {
  const server = await startKubeTestServer({ historySize: 50_000, tls: !process.argv.includes('--http') });
  // Commit time of every ConfigMap event, taken by a store watcher registered before any HTTP watcher, so it
  // runs first in the same synchronous fan-out.
  const commits: Record<number, number> = {};
  server.store.addWatcher({ resource: '/configmaps', deliver: (e) => void (commits[e.rv] = now()) });
  process.stdout.write(
    `${JSON.stringify({ url: server.url, token: server.token, ca: server.caCertificate })}\n`,
  );
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (l) => {
    if (l === 'rss') process.stdout.write(`${JSON.stringify({ rss: process.memoryUsage().rss })}\n`);
    if (l === 'commits') process.stdout.write(`${JSON.stringify(commits)}\n`);
  });
  lines.on('close', () => void server.close().then(() => process.exit(0)));
}

type Agent = HttpAgent | HttpsAgent;
function request(url: string, opts: Record<string, unknown>, cb: Parameters<typeof httpRequest>[2]) {
  return url.startsWith('https:') ? httpsRequest(url, opts, cb) : httpRequest(url, opts, cb);
}

function call(
  ep: Endpoint,
  agent: Agent,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${ep.url}${path}`,
      {
        method,
        agent,
        ca: ep.ca,
        headers: {
          Authorization: `Bearer ${ep.token}`,
          ...(payload ? { 'Content-Type': 'application/json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const objects = Number(positional[0] ?? 10_000);
  const watcherCount = Number(positional[1] ?? 10);
  const concurrency = Number(positional[2] ?? 1);
  const plain = process.argv.includes('--http');
  const child: ChildProcess = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--serve', ...(plain ? ['--http'] : [])],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const childLines = createInterface({ input: child.stdout! });
  const replies: ((line: string) => void)[] = [];
  childLines.on('line', (l) => replies.shift()?.(l));
  const nextLine = (): Promise<string> => new Promise((r) => replies.push(r));
  const ep = JSON.parse(await nextLine()) as Endpoint;
  const rss = async (): Promise<number> => {
    const p = nextLine();
    child.stdin!.write('rss\n');
    return (JSON.parse(await p) as { rss: number }).rss;
  };
  const agent: Agent = plain
    ? new HttpAgent({ keepAlive: true, maxSockets: concurrency })
    : new HttpsAgent({ keepAlive: true, maxSockets: concurrency });
  console.log(
    `server ${ep.url} (child pid ${child.pid}); ${objects} objects, ${watcherCount} watchers, ${concurrency} creates in flight`,
  );
  const rssStart = await rss();

  await call(ep, agent, 'POST', '/api/v1/namespaces', { metadata: { name: 'bench' } });
  const startRv = JSON.parse((await call(ep, agent, 'GET', '/api/v1/namespaces/bench/configmaps')).text)
    .metadata.resourceVersion as string;

  const latencies: number[] = [];
  const receipts: { rv: number; at: number }[] = [];
  const received = new Array<number>(watcherCount).fill(0);
  let lastOrder = true;
  const watchers = Array.from(
    { length: watcherCount },
    (_, w) =>
      new Promise<void>((ready) => {
        let lastRv = 0;
        const req = request(
          `${ep.url}/api/v1/namespaces/bench/configmaps?watch=true&resourceVersion=${startRv}`,
          { ca: ep.ca, headers: { Authorization: `Bearer ${ep.token}` } },
          (res) => {
            ready();
            let buf = '';
            res.on('data', (c: Buffer) => {
              const t = now();
              buf += c.toString('utf8');
              let nl: number;
              while ((nl = buf.indexOf('\n')) >= 0) {
                const ev = JSON.parse(buf.slice(0, nl));
                buf = buf.slice(nl + 1);
                if (ev.type !== 'ADDED') continue;
                const rv = Number(ev.object.metadata.resourceVersion);
                if (rv <= lastRv) lastOrder = false;
                lastRv = rv;
                latencies.push(t - Number(ev.object.metadata.annotations['bench/sent-at']));
                receipts.push({ rv, at: t });
                received[w] = (received[w] ?? 0) + 1;
              }
            });
          },
        );
        req.end();
      }),
  );
  await Promise.all(watchers);

  const createStart = now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < objects) {
        const i = next++;
        const body = {
          metadata: {
            name: `cm-${String(i).padStart(6, '0')}`,
            labels: { shard: String(i % 10) },
            annotations: { 'bench/sent-at': String(now()) },
          },
          data: { index: String(i) },
        };
        const r = await call(ep, agent, 'POST', '/api/v1/namespaces/bench/configmaps', body);
        if (r.status !== 201) throw new Error(`create ${i}: ${r.status} ${r.text}`);
        if ((i + 1) % 1000 === 0)
          console.log(
            `  created ${i + 1}/${objects}; watchers have ${Math.min(...received)}..${Math.max(...received)} events`,
          );
      }
    }),
  );
  const createSeconds = (now() - createStart) / 1000;
  const deadline = Date.now() + 60_000;
  while (received.some((n) => n < objects) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  const rssAfterCreate = await rss();

  const listStart = now();
  const list = JSON.parse((await call(ep, agent, 'GET', '/api/v1/namespaces/bench/configmaps')).text);
  const listMs = now() - listStart;
  let pages = 0;
  let cont: string | undefined;
  const pagedStart = now();
  do {
    const page = JSON.parse(
      (
        await call(
          ep,
          agent,
          'GET',
          `/api/v1/namespaces/bench/configmaps?limit=500${cont ? `&continue=${cont}` : ''}`,
        )
      ).text,
    );
    cont = page.metadata.continue;
    pages++;
  } while (cont);
  const pagedMs = now() - pagedStart;
  const selStart = now();
  const selected = JSON.parse(
    (await call(ep, agent, 'GET', '/api/v1/namespaces/bench/configmaps?labelSelector=shard%3D3')).text,
  );
  const selMs = now() - selStart;
  const rssEnd = await rss();
  const commitsLine = nextLine();
  child.stdin!.write('commits\n');
  const commits = JSON.parse(await commitsLine) as Record<string, number>;
  const delivery = receipts.map((r) => r.at - (commits[String(r.rv)] ?? NaN)).sort((a, b) => a - b);

  latencies.sort((a, b) => a - b);
  const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
  console.log('\nresults');
  console.log(
    `  creates: ${objects} in ${createSeconds.toFixed(2)} s (${(objects / createSeconds).toFixed(0)}/s)`,
  );
  console.log(
    `  events delivered: ${latencies.length}/${objects * watcherCount}, per-watcher resourceVersion order ${lastOrder ? 'kept' : 'BROKEN'}`,
  );
  console.log(
    `  delivery latency (server commit → watcher parsed): p50 ${percentile(delivery, 50).toFixed(2)} ms, p90 ${percentile(delivery, 90).toFixed(2)} ms, p99 ${percentile(delivery, 99).toFixed(2)} ms, max ${(delivery[delivery.length - 1] ?? NaN).toFixed(2)} ms`,
  );
  console.log(
    `  end to end (create sent → watcher parsed): p50 ${percentile(latencies, 50).toFixed(2)} ms, p90 ${percentile(latencies, 90).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, max ${(latencies[latencies.length - 1] ?? NaN).toFixed(2)} ms`,
  );
  console.log(
    `  list all ${list.items.length}: ${listMs.toFixed(1)} ms; paged (limit 500, ${pages} pages): ${pagedMs.toFixed(1)} ms; labelSelector shard=3 (${selected.items.length}): ${selMs.toFixed(1)} ms`,
  );
  console.log(
    `  server RSS: start ${mib(rssStart)}, after creates ${mib(rssAfterCreate)}, end ${mib(rssEnd)}`,
  );
  child.stdin!.end();
  agent.destroy();
  await new Promise((r) => child.once('exit', r));
  process.exit(latencies.length === objects * watcherCount && lastOrder ? 0 : 1);
}

if (process.argv.includes('--serve')) void serve();
else void main();
