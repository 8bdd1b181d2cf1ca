// `npm run bench -- ui [routes] [endpoints per service] [updates]`: the Service Manager's topology page in
// headless Chromium (Debian's, through playwright-core) for a gateway with 500 routes and 5,000 endpoints (10 per
// backend service). The built UI is served by the API's own web-ui module; the API answers are fixed documents
// from a small Fastify server (the figures are the browser's, not the database's). Measured in the page:
// - rendered: navigation start → the graph of every route laid out and the part in view drawn (the graph draws
//   only what is in or near the view; `graph nodes in the DOM` says how many of all it drew);
// - interactive: navigation start → a click posted the moment the graph rendered has opened the side panel;
// - live update: the last topology answer read → the changed endpoint group repainted (one endpoint of one
//   service turns not-ready; the bench server announces it on the page's `gatewayTopologyChanged`
//   subscription, graphql-transport-ws over /graphql, and the page reads its topology again), over several
//   updates; the answers are the UI's GraphQL queries (the REST routes stay for older builds); also printed:
//   the p90, and event → repaint (the subscription's event heard → repainted: the refetch included);
//   BENCH_SPLIT=1 prints each update's phases (last read → data set → React's render begun → pipeline run →
//   graph committed → repainted);
// - first page JavaScript: the gzip size of what index.html loads before any page chunk.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { chromium } from 'playwright-core';
import { WebSocketServer, type WebSocket } from 'ws';
import { registerWebUi, webDist, webPageFallback } from '../apps/api/src/web-ui.js';
import { largeGateway } from '../apps/web/src/domain/topology/fixtures.js';

const [routes = 500, perService = 10, updates = 5] = process.argv.slice(2).map(Number);
const repo = fileURLToPath(new URL('..', import.meta.url));
const built = spawnSync(process.execPath, ['scripts/build-web.mjs'], { cwd: repo, stdio: 'inherit' });
if (built.status !== 0) process.exit(1);

// The first page's JavaScript: the entry script and the modules it preloads.
const index = readFileSync(path.join(webDist, 'index.html'), 'utf8');
const firstAssets = [...index.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
const firstPageGzip = firstAssets.reduce(
  (n, a) => n + gzipSync(readFileSync(path.join(webDist, a))).length,
  0,
);

const input = largeGateway(routes, perService);
const gatewayId = '00000000-0000-4000-8000-000000000001';
const gateway = {
  ...input.gateway,
  id: gatewayId,
  conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '' }],
  status: null,
  template: { id: 't', name: 'default' },
  clients: [],
  generation: 1,
  observedGeneration: 1,
  updatedAt: new Date(0).toISOString(),
};
const routeItems = input.routes.map((r) => ({
  ...r,
  parents: [{ gatewayId, refIndex: 0 }],
  status: { parents: [{ gatewayId, conditions: [{ type: 'Accepted', status: 'True' }] }] },
}));
const slices = input.slices.map((s) => ({
  ...s,
  name: `${s.serviceName}-abc`,
  nodeAddresses: s.nodeAddresses ?? {},
}));
const proxies = (input.proxies ?? []).map((p) => ({ ...p, updatedAt: new Date(0).toISOString() }));

const app = Fastify();
let served = false;
app.setNotFoundHandler((req, reply) =>
  webPageFallback(req, reply, served) ? reply : reply.code(404).send({ error: 'NotFound', message: req.url }),
);
app.get('/auth/session', async () => ({
  user: { id: 'u', login: 'bench', displayName: null },
  account: { id: 'a', name: 'bench', displayName: 'Bench' },
  role: 'owner',
  system: false,
  csrfToken: 'x',
}));
// The UI's GraphQL reads of the topology (apps/web/src/data/topology.ts), answered from the same documents in
// Relay connections paged by offset cursors.
const connection = (items: unknown[], first: number, after: string | undefined) => {
  const at = Number(after ?? 0);
  const page = items.slice(at, at + first);
  return {
    edges: page.map((node) => ({ node })),
    pageInfo: { hasNextPage: at + first < items.length, endCursor: String(at + page.length) },
  };
};
app.get('/graphql', async (req, reply) => {
  const q = req.query as { query?: string; variables?: string };
  const v = JSON.parse(q.variables ?? '{}') as Record<string, number | string | undefined>;
  const op = /query (\w+)/.exec(q.query ?? '')?.[1];
  const after = v.after as string | undefined;
  if (op === 'Topology')
    return {
      data: {
        gateway,
        gatewayProxies: connection(proxies, Number(v.proxies), undefined),
        routes: connection(routeItems, Number(v.routes), undefined),
      },
    };
  if (op === 'TopologyRoutes') return { data: { routes: connection(routeItems, Number(v.first), after) } };
  if (op === 'TopologyProxies')
    return { data: { gatewayProxies: connection(proxies, Number(v.first), after) } };
  if (op === 'TopologySlices')
    return { data: { endpointSlices: connection(slices, Number(v.first), after) } };
  return reply.code(400).send({ data: null, errors: [{ message: `unknown operation ${op}` }] });
});
app.get(`/api/v1/gateways/${gatewayId}`, async () => gateway);
app.get('/api/v1/routes', async () => ({ items: routeItems, nextCursor: null }));
app.get(`/api/v1/gateways/${gatewayId}/proxies`, async () => ({ items: proxies }));
app.get('/api/v1/endpoint-slices', async () => ({ items: slices, nextCursor: null }));
served = await registerWebUi(app);
const base = await app.listen({ host: '127.0.0.1', port: 0 });
// The page's live updates: a graphql-transport-ws endpoint that acknowledges every subscription and sends a
// `gatewayTopologyChanged` event to each topology subscriber when the bench changes a slice.
const wss = new WebSocketServer({ noServer: true });
const topologySubscribers = new Map<WebSocket, string>();
app.server.on('upgrade', (req, socket, head) => {
  if (!req.url?.startsWith('/graphql')) return socket.destroy();
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { type: string; id?: string; payload?: { query?: string } };
      if (msg.type === 'connection_init') ws.send(JSON.stringify({ type: 'connection_ack' }));
      else if (msg.type === 'subscribe' && msg.payload?.query?.includes('gatewayTopologyChanged'))
        topologySubscribers.set(ws, msg.id!);
    });
    ws.on('close', () => topologySubscribers.delete(ws));
  });
});
const announceTopologyChange = () => {
  for (const [ws, id] of topologySubscribers)
    ws.send(
      JSON.stringify({
        id,
        type: 'next',
        payload: { data: { gatewayTopologyChanged: { gatewayId, at: new Date().toISOString() } } },
      }),
    );
};

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // Chromium's own accounting of where the main thread's time went (script, style, layout), through CDP.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () =>
    Object.fromEntries(
      (await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value * 1000] as const),
    );
  const PHASES = ['ScriptDuration', 'RecalcStyleDuration', 'LayoutDuration', 'TaskDuration'] as const;
  const phases = (a: Record<string, number>, b: Record<string, number>) =>
    PHASES.map((k) => `${k.replace('Duration', '')} ${((b[k] ?? 0) - (a[k] ?? 0)).toFixed(0)}`).join(', ');
  const profile = process.env.BENCH_PROFILE === '1';
  if (profile) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  }
  const topFunctions = async () => {
    const { profile: p } = await cdp.send('Profiler.stop');
    const self = new Map<string, number>();
    const dt = new Map<number, number>();
    p.samples?.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (p.timeDeltas?.[i] ?? 0) / 1000));
    for (const n of p.nodes) {
      const f = n.callFrame;
      const k = `${f.functionName || '(anon)'} ${f.url.split('/').at(-1)}:${f.lineNumber}:${f.columnNumber}`;
      self.set(k, (self.get(k) ?? 0) + (dt.get(n.id) ?? 0));
    }
    return [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([k, v]) => `    ${v.toFixed(1).padStart(7)} ms  ${k}`)
      .join('\n');
  };
  const m0 = await metrics();
  if (profile) await cdp.send('Profiler.start');
  // Instruments the page before its scripts run: when the graph is complete, and when each topology answer
  // (the EndpointSlices, read last) has been read.
  // A string, not a function: tsx's transform would wrap named functions in a helper the page lacks.
  await page.addInitScript(`
    (() => {
      const routes = ${routes};
      window.__sliceReads = [];
      window.__longTasks = [];
      try {
        new PerformanceObserver((l) => {
          for (const e of l.getEntries()) window.__longTasks.push([Math.round(e.startTime), Math.round(e.duration)]);
        }).observe({ type: 'longtask', buffered: true });
      } catch {}
      // When the page heard the last subscription event (for "event → repaint": the refetch included).
      const NativeSocket = window.WebSocket;
      window.WebSocket = class extends NativeSocket {
        constructor(...a) {
          super(...a);
          this.addEventListener('message', () => { window.__eventAt = performance.now(); });
        }
      };
      const orig = window.fetch.bind(window);
      window.fetch = async (...args) => {
        const res = await orig(...args);
        if (String(args[0]).includes('/endpoint-slices') || String(args[0]).startsWith('/graphql')) {
          const text = res.text.bind(res);
          res.text = async () => {
            const t = await text();
            window.__sliceReads.push(performance.now());
            return t;
          };
        }
        return res;
      };
      const observer = new MutationObserver(() => {
        if (window.__rendered) return;
        // Rendered: the graph of all the routes is laid out and what is in view is drawn.
        const svg = document.querySelector('[data-testid="topology"]');
        if (!svg || Number(svg.getAttribute('data-total')) < routes) return;
        if (!svg.querySelector('[data-kind="route"]')) return;
        window.__rendered = performance.now();
        setTimeout(() => {
          document.querySelector('[data-kind="route"]')
            .dispatchEvent(new MouseEvent('click', { bubbles: true }));
          const done = () => {
            if (document.querySelector('[data-testid="node-panel"]')) window.__interactive = performance.now();
            else requestAnimationFrame(done);
          };
          done();
        });
      });
      document.addEventListener('DOMContentLoaded', () =>
        observer.observe(document.body, { childList: true, subtree: true }),
      );
    })();
  `);
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${base}/gateways/${gatewayId}`);
  if (process.env.BENCH_DEBUG) {
    await page.waitForTimeout(8000);
    await page.screenshot({ path: '/tmp/ui-bench.png' });
    console.log(
      await page.evaluate(() => [
        document.querySelectorAll('[data-kind="route"]').length,
        (window as unknown as Record<string, unknown>).__rendered,
        document.body.innerText.slice(0, 500),
      ]),
    );
  }
  await page.waitForFunction(() => (window as unknown as { __interactive?: number }).__interactive, null, {
    timeout: 120_000,
    polling: 100,
  });
  const { rendered, interactive, nodes } = await page.evaluate(() => {
    const w = window as unknown as { __rendered: number; __interactive: number };
    return {
      rendered: w.__rendered,
      interactive: w.__interactive,
      nodes: `${document.querySelectorAll('[data-node]').length} of ${document.querySelector('[data-testid="topology"]')!.getAttribute('data-total')}; ${document.querySelectorAll('[data-testid="topology"] path').length} paths, ${document.querySelectorAll('[data-testid="topology"] *').length} SVG elements`,
    };
  });

  if (process.env.BENCH_TIMELINE === '1')
    console.log(
      `long tasks until interactive (start + duration, ms): ${JSON.stringify(
        await page.evaluate(() =>
          ((window as unknown as { __longTasks: number[][] }).__longTasks ?? []).filter(
            ([t]) => t! < (window as unknown as { __interactive: number }).__interactive,
          ),
        ),
      )}`,
    );
  if (process.env.BENCH_TIMELINE === '1')
    console.log(
      'first load timeline (ms after navigation start):\n' +
        (await page.evaluate(() =>
          [
            ...performance.getEntriesByType('navigation'),
            ...performance.getEntriesByType('resource'),
            ...performance.getEntriesByType('mark'),
            ...performance.getEntriesByType('measure'),
          ]
            .map((e) => {
              const r = e as PerformanceResourceTiming;
              const name = e.name
                .replace(location.origin, '')
                .replace(
                  /^\/graphql\?query=query\+(\w+).*?(&variables=.*)?$/,
                  (_, op, v) => `/graphql ${op} ${decodeURIComponent(v ?? '').replace('&variables=', '')}`,
                );
              return r.responseEnd
                ? `    ${r.startTime.toFixed(0).padStart(6)} → ${r.responseEnd.toFixed(0).padStart(6)}  ${e.entryType} ${name} (${(r.transferSize / 1024).toFixed(0)} KB)`
                : `    ${e.startTime.toFixed(0).padStart(6)} + ${e.duration.toFixed(0).padStart(6)}  ${e.entryType} ${name}`;
            })
            .join('\n'),
        )),
    );
  const m1 = await metrics();
  if (profile) console.log(`first load, self time by function:\n${await topFunctions()}`);
  const samples: number[] = [];
  const splits: number[][] = [];
  const events: number[] = [];
  // The page has subscribed to its topology's changes (the updates below are announced on it).
  for (let t = Date.now(); topologySubscribers.size === 0;) {
    if (Date.now() - t > 30_000) throw new Error('the page did not subscribe to gatewayTopologyChanged');
    await new Promise((r) => setTimeout(r, 50));
  }
  const m2 = await metrics();
  for (let u = 0; u < updates; u++) {
    // An endpoint group in view (one drawn on the page), so that the change has something to repaint.
    const group = await page.evaluate(
      (i) => document.querySelectorAll('[data-kind="endpoints"]')[i]!.getAttribute('data-node')!,
      u,
    );
    const svc = group.replace('endpoints:service:default/', '');
    await page.evaluate((id) => {
      const w = window as unknown as Record<string, unknown>;
      w.__updated = undefined;
      w.__readsBefore = (w.__sliceReads as number[]).length;
      const el = document.querySelector(`[data-node="${id}"]`)!;
      new MutationObserver((_, obs) => {
        if (el.classList.contains('health-warn')) {
          w.__updated = performance.now();
          obs.disconnect();
        }
      }).observe(el, { attributes: true, attributeFilter: ['class'] });
    }, group);
    if (profile && u === updates - 1) await cdp.send('Profiler.start');
    // The change: one endpoint of this service is no longer ready.
    const slice = slices.find((s) => s.serviceName === svc)!;
    slice.endpoints[0]!.conditions = { ready: false };
    announceTopologyChange();
    await page.waitForFunction(() => (window as unknown as { __updated?: number }).__updated, null, {
      timeout: 30_000,
      polling: 50,
    });
    const { total, event, split } = await page.evaluate(() => {
      const w = window as unknown as {
        __updated: number;
        __sliceReads: number[];
        __readsBefore: number;
        __eventAt: number;
      };
      const read = w.__sliceReads.at(-1)!;
      // Where the update's time went: the answers' reads (not measured), the last answer read → the data set
      // (parse, sharing, digest), → the pipeline run in React's render, → the graph committed, → repainted.
      // (No named functions here: tsx's transform would wrap them in a helper the page lacks.)
      const [data, render, pipeline, drawn] = [
        'topology:data',
        'topology:render',
        'topology:pipeline',
        'topology:drawn',
      ].map((n) => performance.getEntriesByName(n).at(-1)?.startTime ?? NaN) as [
        number,
        number,
        number,
        number,
      ];
      return {
        total: w.__updated - read,
        event: w.__updated - w.__eventAt,
        split: [
          w.__sliceReads.length - w.__readsBefore,
          data - read,
          render - data,
          pipeline - render,
          drawn - pipeline,
          w.__updated - drawn,
        ],
      };
    });
    samples.push(total);
    events.push(event);
    splits.push(split);
  }
  if (profile) console.log(`last update, self time by function:\n${await topFunctions()}`);
  const m3 = await metrics();
  if (process.env.BENCH_TIMELINE === '1' || process.env.BENCH_SPLIT === '1')
    console.log(
      'live updates (reads; last read → data set, → render begun, → pipeline run, → drawn, → repainted, ms):\n' +
        splits
          .map(
            ([n, ...t], i) =>
              `    ${String(i + 1).padStart(2)}: ${n} reads; ${t.map((x) => x!.toFixed(1).padStart(6)).join(' ')}  = ${samples[i]!.toFixed(1)} (event → repaint ${events[i]!.toFixed(1)})`,
          )
          .join('\n'),
    );
  const ordered = samples.slice().sort((a, b) => a - b);
  const p90 = ordered[Math.min(ordered.length - 1, Math.ceil(ordered.length * 0.9) - 1)]!;
  samples.sort((a, b) => a - b);
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  console.log(`ui bench: ${routes} routes, ${routes * perService} endpoints (${perService} per service)`);
  console.log(`  graph nodes in the DOM        ${nodes} (drawn of laid out; endpoint sets grouped)`);
  console.log(`  rendered                      ${ms(rendered)} after navigation start (target < 1 s)`);
  console.log(`  interactive (click → panel)   ${ms(interactive)} after navigation start`);
  console.log(
    `  live update (answer → repaint) median ${ms(samples[Math.floor(samples.length / 2)]!)}, p90 ${ms(p90)}, max ${ms(samples.at(-1)!)} over ${samples.length} (target < 50 ms)`,
  );
  events.sort((a, b) => a - b);
  console.log(
    `  live update (event → repaint)  median ${ms(events[Math.floor(events.length / 2)]!)}, max ${ms(events.at(-1)!)} (the refetch included; no target)`,
  );
  console.log(`  main thread, first load (ms)  ${phases(m0, m1)}`);
  console.log(`  main thread, ${updates} updates (ms) ${phases(m2, m3)}`);
  console.log(
    `  first page JavaScript         ${(firstPageGzip / 1024).toFixed(1)} KB gzip (${firstAssets.join(', ')}; target < 300 KB)`,
  );
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`  load average                  ${load}`);
} finally {
  await browser.close();
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  await app.close();
}
