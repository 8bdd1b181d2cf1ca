import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startApiProcess, type ApiProcess } from '../apps/api/src/test-support/api-process.js';
import { startFakeGithub } from '../apps/api/src/test-support/fake-github.js';
import { LISTENER } from '@epic/envoy-proto';
import { AdsTestClient } from '@epic/xds-server/test-support';
import { freshDatabase } from '../apps/api/src/test-support/harness.js';

// The Service Manager end to end: a real API process on a real PostgreSQL serving the built UI, GitHub played by a
// loopback provider, Debian's chromium driven by playwright-core (never a downloaded browser).

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const artifacts = fileURLToPath(new URL('../reports/e2e/', import.meta.url));
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let api: ApiProcess | undefined;
let browser: Browser | undefined;
let fake: Awaited<ReturnType<typeof startFakeGithub>> | undefined;
let disconnect: (() => Promise<void>) | undefined;
let base = '';
let page: Page;
let key = '';
let gatewayId = '';
let routeId = '';

/** What the page asked the API, in order: method, path and, for /graphql, the operation's name. */
let asked: { method: string; path: string; operation?: string }[] = [];
const operationOf = (query: string | null | undefined) =>
  query ? /^\s*(?:query|mutation|subscription)\s+(\w+)/.exec(query)?.[1] : undefined;
/** The page's REST calls (anything under /api/v1) since `asked` was last emptied. */
const restAsked = () =>
  asked.filter((a) => a.path.startsWith('/api/v1/')).map((a) => `${a.method} ${a.path}`);
/** The GraphQL operations the page sent since `asked` was last emptied, as `METHOD Name`. */
const graphqlAsked = () =>
  asked.filter((a) => a.path === '/graphql' && a.operation).map((a) => `${a.method} ${a.operation}`);

async function call<T = Record<string, unknown>>(
  method: string,
  url: string,
  body?: unknown,
  as = key,
): Promise<T> {
  const r = await fetch(`${base}/api/v1${url}`, {
    method,
    headers: { authorization: `Bearer ${as}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

/** Serious and critical axe-core violations on the current page (rule id and the first offending node). */
async function axeViolations(p: Page): Promise<string[]> {
  await p.addScriptTag({ content: axeSource });
  const result = await p.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document) => Promise<unknown> } }).axe;
    return (await axe.run(document)) as {
      violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[];
    };
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes[0]?.target.join(' ')}`);
}

/** Screenshots of the page in the light and the dark theme (test artifacts), each checked by axe-core. */
async function shot(name: string) {
  for (const theme of ['light', 'dark'] as const) {
    const toggle = page.getByRole('button', {
      name: `Switch to the ${theme === 'light' ? 'dark' : 'light'} theme`,
    });
    if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== theme) {
      await page.getByRole('button', { name: /^Switch to the/ }).click();
      await toggle.waitFor();
    }
    expect(await axeViolations(page), `${name}, ${theme} theme`).toEqual([]);
    await page.screenshot({ path: path.join(artifacts, `${name}-${theme}.png`), fullPage: true });
  }
  await page.getByRole('button', { name: 'Switch to the light theme' }).click();
}

const routeSpec = (weights: [number, number]) => ({
  parentRefs: [{ name: 'shop' }],
  hostnames: ['shop.example.com'],
  rules: [
    {
      matches: [{ path: { type: 'PathPrefix', value: '/cart' } }],
      backendRefs: [
        { name: 'cart', port: 8080, weight: weights[0] },
        { name: 'cart-canary', port: 8080, weight: weights[1] },
      ],
    },
    { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'web', port: 80 }] },
  ],
});

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  const { url, db } = await freshDatabase();
  disconnect = () => db.$disconnect();
  fake = await startFakeGithub({
    clientId: 'Iv1.e2e',
    clientSecret: 'e2e-secret',
    user: { id: 9001, login: 'Mona-Lisa', name: 'Mona Lisa', email: 'mona@example.com', avatar_url: null },
  });
  const port = await freePort();
  // A known xDS port (not 0): the bootstrap advertises it, and the NACK test connects an ADS client to it.
  const xdsPort = await freePort();
  base = `http://127.0.0.1:${port}`;
  api = startApiProcess({
    DATABASE_URL: url,
    PORT: String(port),
    XDS_PORT: String(xdsPort),
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'true',
    LOCAL_SIGN_IN: 'true',
    GITHUB_CLIENT_ID: fake.github.clientId,
    GITHUB_CLIENT_SECRET: fake.github.clientSecret,
    GITHUB_AUTHORIZE_URL: fake.github.authorizeUrl,
    GITHUB_TOKEN_URL: fake.github.tokenUrl,
    GITHUB_API_URL: fake.github.apiUrl,
  });
  await api.ready(port);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // A script error in the page is a failure to read in the log, not a silent blank page.
  page.on('pageerror', (e) => console.error(`page error: ${e.stack ?? e.message}`));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin !== base) return;
    let operation: string | undefined;
    if (u.pathname === '/graphql') {
      const body = r.postData();
      operation = operationOf(
        body ? (JSON.parse(body) as { query?: string }).query : u.searchParams.get('query'),
      );
    }
    asked.push({ method: r.method(), path: u.pathname, ...(operation ? { operation } : {}) });
  });
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (api && api.child.exitCode === null && api.child.signalCode === null) {
    api.child.kill('SIGTERM');
    const stopped = await Promise.race([api.exited, new Promise((r) => setTimeout(() => r('late'), 10_000))]);
    if (stopped === 'late') api.child.kill('SIGKILL');
  }
  await fake?.close();
  await disconnect?.();
});

describe('the Service Manager in a real browser', () => {
  it('signs in locally as the demo user and creates an API key in the overview', async () => {
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot('sign-in');
    await page.getByRole('button', { name: 'Sign in as demo' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByLabel('New key name').fill('e2e key');
    await page.getByRole('button', { name: 'Create key' }).click();
    key = (await page.getByLabel("The new key's secret").textContent())?.trim() ?? '';
    expect(key).toMatch(/^epic_/);
    await page.getByRole('cell', { name: 'e2e key', exact: true }).waitFor();
    await shot('overview');
    // The key the page showed works against the API.
    expect((await call<{ accountName: string }>('GET', '/whoami')).accountName).toBe('demo');
    // A second key, revoked from the page after its confirmation: the API refuses it from then on.
    await page.getByLabel('New key name').fill('e2e spare');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('cell', { name: 'e2e spare', exact: true }).waitFor();
    const spare = (await page.getByLabel("The new key's secret").textContent())?.trim() ?? '';
    expect(spare).toMatch(/^epic_/);
    expect(spare).not.toBe(key);
    await call('GET', '/whoami', undefined, spare);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Revoke key e2e spare' }).click();
    await page
      .getByRole('row')
      .filter({ hasText: 'e2e spare' })
      .getByText('revoked', { exact: true })
      .waitFor();
    await expect(call('GET', '/whoami', undefined, spare)).rejects.toThrow(/401/);
    expect((await call<{ accountName: string }>('GET', '/whoami')).accountName).toBe('demo');
  });

  it('lists the gateways and opens one, whose graph shows its listeners, routes, backends and endpoints', async () => {
    gatewayId = (
      await call<{ id: string }>('POST', '/gateways', {
        name: 'shop',
        template: 'default',
        listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
      })
    ).id;
    const ep = (n: number, net: string) =>
      Array.from({ length: n }, (_, i) => ({ address: `10.${net}.0.${i + 1}` }));
    await call('PUT', '/static-endpoints/default/cart', { ports: [{ port: 8080 }], endpoints: ep(2, '1') });
    await call('PUT', '/static-endpoints/default/cart-canary', {
      ports: [{ port: 8080 }],
      endpoints: ep(1, '2'),
    });
    // More endpoints than the group threshold: shown as one group until expanded.
    await call('PUT', '/static-endpoints/default/web', { ports: [{ port: 80 }], endpoints: ep(7, '3') });
    routeId = (
      await call<{ id: string }>('POST', '/routes', {
        kind: 'HTTPRoute',
        name: 'shop',
        spec: routeSpec([90, 10]),
      })
    ).id;
    // The gateway's proxies on an EPIC node, as the node's agent reports them (here with the platform admin key
    // the first start printed): one ready, one not.
    const admin = /Platform admin key: (\S+)/.exec(api!.output())?.[1] ?? '';
    expect(admin).toMatch(/^epic_/);
    await call('POST', '/epic-nodes', { name: 'ui-e2e-epic-1', addresses: ['192.0.2.201'] }, admin);
    await call(
      'PUT',
      '/epic-nodes/ui-e2e-epic-1/proxies',
      {
        proxies: ['shop-envoy-0', 'shop-envoy-1'].map((podName, i) => ({
          gatewayId,
          podName,
          vethIfindex: null,
          ready: i === 0,
          ackedVersion: null,
        })),
      },
      admin,
    );

    await page.getByRole('link', { name: 'Gateways' }).click();
    const link = page.getByRole('link', { name: 'default/shop' });
    await link.waitFor();
    await shot('gateways');
    await link.click();
    await page.getByRole('heading', { name: 'default/shop', exact: true }).waitFor();
    const graph = page.getByTestId('topology');
    await graph.locator('[data-kind="route"]').first().waitFor();
    const count = (kind: string) => graph.locator(`[data-kind="${kind}"]`).count();
    expect(await count('gateway')).toBe(1);
    expect(await count('listener')).toBe(1);
    expect(await count('route')).toBe(1);
    expect(await count('rule')).toBe(2);
    expect(await count('backend')).toBe(3);
    expect(await count('service')).toBe(3);
    expect(await count('endpoint')).toBe(3);
    expect(await count('endpoints')).toBe(1);
    expect(await count('epicNode')).toBe(1);
    expect(await count('proxy')).toBe(2);
    // Neither proxy holds an xDS stream here: the ready one is degraded, the other failing, the node degraded.
    expect(await graph.locator('[data-node="epic:ui-e2e-epic-1"].health-warn').count()).toBe(1);
    expect(await graph.locator('[data-node="proxy:shop-envoy-0"].health-warn').count()).toBe(1);
    expect(await graph.locator('[data-node="proxy:shop-envoy-1"].health-bad').count()).toBe(1);
    await expect.poll(() => graph.getByRole('button', { name: /^Backend cart:8080 · 90%/ }).count()).toBe(1);
    expect(await graph.getByRole('button', { name: /^Endpoints 7 endpoints · 7 ready/ }).count()).toBe(1);
    // The edges of the path listener → route → rule → the two weighted backends.
    const edge = (from: string, to: string) =>
      graph.locator(`[data-edge^="${from}"][data-edge*="->${to}"]`).count();
    expect(await edge('listener:http', 'route:')).toBe(1);
    expect(await edge('rule:', 'backend:')).toBe(3);
    expect(await edge('epic:ui-e2e-epic-1', 'proxy:shop-envoy-')).toBe(2);
    await shot('gateway-detail');
  });

  it('opens a node in the side panel by click and by keyboard, and expands an endpoint group', async () => {
    const graph = page.getByTestId('topology');
    await graph.getByRole('button', { name: /^Route HTTPRoute default\/shop/ }).click();
    const panel = page.getByTestId('node-panel');
    await expect.poll(() => panel.textContent()).toContain('HTTPRoute default/shop');
    expect(await panel.textContent()).toContain('shop.example.com');
    // Keyboard: from the route, → moves to the nearest rule, Enter opens it.
    await graph.getByRole('button', { name: /^Route HTTPRoute/ }).focus();
    await page.keyboard.press('ArrowRight');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-kind'));
    expect(focused).toBe('rule');
    await page.keyboard.press('Enter');
    await expect.poll(() => panel.textContent()).toContain('rule ');
    await graph.locator('[data-kind="endpoints"]').click();
    await panel.getByRole('button', { name: 'Expand 7 endpoints' }).click();
    await expect.poll(() => graph.locator('[data-kind="endpoint"]').count()).toBe(10);
    expect(await graph.locator('[data-kind="endpoints"]').count()).toBe(0);
    await shot('gateway-expanded');
  });

  it('traces a request over GraphQL: the answer beside the form, its path lit on the graph, bad input next to its field', async () => {
    const graph = page.getByTestId('topology');
    asked = [];
    await page.getByLabel('Host', { exact: true }).fill('shop.example.com');
    await page.getByLabel('Path', { exact: true }).fill('/cart/items');
    await page.getByLabel('Headers').fill('x-test: 1');
    await page.getByRole('button', { name: 'Trace', exact: true }).click();
    const answer = page.getByTestId('trace-result');
    await expect.poll(() => answer.textContent()).toContain('httproute/default/shop/rule/0');
    expect(await answer.textContent()).toContain('service/default/cart/8080');
    const lit = async () =>
      (
        await graph
          .locator('.node.hl')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-node') ?? ''))
      )
        .map((id) => id.replace(/:[0-9a-f-]{36}/, ':<route>'))
        .sort();
    // Rule 0 and both of its weighted backends (cart and cart-canary) — not the rule that sends to web.
    await expect
      .poll(lit)
      .toEqual(
        expect.arrayContaining([
          'listener:http',
          'route:<route>',
          'rule:<route>/0',
          'backend:<route>/0/0',
          'backend:<route>/0/1',
          'service:default/cart',
          'service:default/cart-canary',
        ]),
      );
    expect((await lit()).filter((id) => id.includes('/1') && id.startsWith('rule:'))).toEqual([]);
    expect(await graph.locator('[data-node="service:default/web"].hl').count()).toBe(0);
    expect(await graph.locator('path.edge.hl').count()).toBeGreaterThanOrEqual(6);
    await shot('trace');

    await page.getByLabel('Path', { exact: true }).fill('no-slash');
    await page.getByRole('button', { name: 'Trace', exact: true }).click();
    const error = page.locator('#trace-path-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/must start with/);
    expect(await page.getByLabel('Path', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    // A failed trace lights nothing.
    expect(await graph.locator('.node.hl').count()).toBe(0);
    // Both traces went to the typed GraphQL query (a GET), none to POST /api/v1/gateways/:id/trace.
    expect(graphqlAsked().filter((o) => o.endsWith('TraceRequest'))).toEqual([
      'GET TraceRequest',
      'GET TraceRequest',
    ]);
    expect(restAsked()).toEqual([]);
  });

  it('shows a route, an endpoint and a proxy change made through the API in the open graph without a reload', async () => {
    const graph = page.getByTestId('topology');
    await page.getByTestId('live').filter({ hasText: 'Live' }).waitFor();
    await call('POST', '/routes', {
      kind: 'HTTPRoute',
      name: 'api',
      spec: {
        parentRefs: [{ name: 'shop' }],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
            backendRefs: [{ name: 'web', port: 80 }],
          },
        ],
      },
    });
    await expect.poll(() => graph.locator('[data-kind="route"]').count(), { timeout: 15_000 }).toBe(2);
    // An endpoint change (as a cluster's EndpointSlice sync writes it): a second endpoint of cart-canary. The page
    // reads its topology on the subscription's events, not on a timer (its safety re-sync is a minute).
    const endpoints = () => graph.locator('[data-kind="endpoint"]').count();
    expect(await endpoints()).toBe(10);
    await call('PUT', '/static-endpoints/default/cart-canary', {
      ports: [{ port: 8080 }],
      endpoints: [{ address: '10.2.0.1' }, { address: '10.2.0.2' }],
    });
    await expect.poll(endpoints, { timeout: 15_000 }).toBe(11);
    expect(await graph.locator('[data-node$="10.2.0.2"]').count()).toBe(1);
    // The same endpoints, one now placed on a node: its node joins the graph.
    await call('PUT', '/static-endpoints/default/cart-canary', {
      ports: [{ port: 8080 }],
      endpoints: [{ address: '10.2.0.1' }, { address: '10.2.0.2', nodeName: 'worker-e2e' }],
    });
    await expect
      .poll(() => graph.locator('[data-kind="node"][data-node$="/worker-e2e"]').count(), { timeout: 15_000 })
      .toBe(1);
    // A proxy turning ready, as its EPIC node reports it: nothing of the gateway's own status changes (no
    // gatewayStatusChanged event), only what its topology shows.
    const admin = /Platform admin key: (\S+)/.exec(api!.output())?.[1] ?? '';
    await call(
      'PUT',
      '/epic-nodes/ui-e2e-epic-1/proxies',
      {
        proxies: ['shop-envoy-0', 'shop-envoy-1'].map((podName) => ({
          gatewayId,
          podName,
          vethIfindex: null,
          ready: true,
          ackedVersion: null,
        })),
      },
      admin,
    );
    await expect
      .poll(() => graph.locator('[data-node="proxy:shop-envoy-1"].health-warn').count(), { timeout: 15_000 })
      .toBe(1);
  });

  it('diffs the revisions before and after a route edit side by side, and rolls back with confirmation', async () => {
    const newest = async () =>
      (await call<{ items: { version: number }[] }>('GET', `/gateways/${gatewayId}/revisions?limit=1`))
        .items[0]?.version ?? 0;
    const before = await newest();
    await call('PUT', `/routes/${routeId}`, { spec: routeSpec([50, 50]) });
    await expect.poll(newest, { timeout: 15_000 }).toBeGreaterThan(before);
    const edited = await newest();

    await page.getByRole('link', { name: 'Revisions' }).click();
    await page.getByRole('heading', { name: 'Revisions of default/shop' }).waitFor();
    const row = (v: number) => page.locator(`tr[data-version="${v}"]`);
    await row(edited).waitFor();
    // The newest two are compared by default: the edit changed the weights in the route configuration.
    expect(await page.getByLabel(`Compare to v${edited}`).isChecked()).toBe(true);
    expect(await page.getByLabel(`Compare from v${before}`).isChecked()).toBe(true);
    const diff = page.getByTestId('diff');
    const changed = diff.locator('.sbs-row.changed');
    await changed.first().waitFor();
    const pairs = await changed.evaluateAll((rows) =>
      rows.map((r) => [r.querySelector('.l')?.textContent ?? '', r.querySelector('.r')?.textContent ?? '']),
    );
    expect(pairs.some(([l, r]) => /"weight": 90/.test(l!) && /"weight": 50/.test(r!))).toBe(true);
    expect(pairs.some(([l, r]) => /"weight": 10/.test(l!) && /"weight": 50/.test(r!))).toBe(true);
    await shot('revisions');

    // Rollback asks first; Cancel changes nothing.
    await row(before)
      .getByRole('button', { name: `Roll back to v${before}` })
      .click();
    const dialog = page.getByRole('dialog', { name: `Roll back to v${before}?` });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await newest()).toBe(edited);
    await row(before)
      .getByRole('button', { name: `Roll back to v${before}` })
      .click();
    await dialog.getByRole('button', { name: `Roll back to v${before}` }).click();
    await page.getByRole('status').filter({ hasText: 'Rolled back' }).waitFor();
    const rolled = await newest();
    expect(rolled).toBe(edited + 1);
    await row(rolled).getByText(`rollback to v${before}`).waitFor();
    // The new revision and the one it restores configure the proxies identically.
    await diff.getByText(`v${before} and v${rolled} configure the proxies identically.`).waitFor();
  });

  it("marks a revision a proxy NACKed as tainted, with the proxy's error, on the timeline", async () => {
    // A real NACK: an ADS client with the gateway's bootstrap (node id, xDS port, token) refuses what it is served.
    const boot = JSON.stringify(await call('GET', `/gateways/${gatewayId}/bootstrap`));
    const nodeId = /"node":\{[^}]*"id":"([^"]+)"/.exec(boot)?.[1];
    const port = Number(/"portValue":(\d+)/.exec(boot)?.[1]);
    const token = /"Bearer ([^"]+)"/.exec(boot)?.[1];
    expect([nodeId, port > 0, token !== undefined]).toEqual([expect.any(String), true, true]);
    // What the proxies are served is the newest revision (a type's version_info is the revision it last changed in).
    const version =
      (await call<{ items: { version: number }[] }>('GET', `/gateways/${gatewayId}/revisions?limit=1`))
        .items[0]?.version ?? 0;
    const ads = new AdsTestClient(port);
    try {
      const stream = ads.sotw(token);
      stream.send({ node: { id: nodeId!, cluster: 'e2e' }, type_url: LISTENER, resource_names: [] });
      const served = await stream.next();
      stream.send({
        type_url: LISTENER,
        version_info: '',
        response_nonce: served.nonce,
        error_detail: { code: 3, message: 'e2e: listener refused' },
      });
      await expect
        .poll(
          async () =>
            (
              await call<{ items: { version: number; status: string }[] }>(
                'GET',
                `/gateways/${gatewayId}/revisions?limit=5`,
              )
            ).items.find((r) => r.version === version)?.status,
          { timeout: 15_000 },
        )
        .toBe('tainted');
      stream.close();
    } finally {
      ads.close();
    }
    const error = `rejected by proxy ${nodeId}: e2e: listener refused`;
    await page.reload();
    const row = page.locator(`tr[data-version="${version}"]`);
    await row.waitFor();
    expect(await row.getAttribute('class')).toContain('tainted');
    await row.locator('.badge.bad').getByText('tainted', { exact: true }).waitFor();
    await row.locator('.error-text').getByText(error, { exact: true }).waitFor();
    // The revisions that were served are not marked.
    const others = page.locator('tr[data-version]').filter({ hasNot: page.locator('.error-text') });
    expect(await others.count()).toBeGreaterThan(0);
    expect(await page.locator('tr.tainted').count()).toBe(1);
    await shot('revisions-tainted');
  });

  it('creates a gateway and a weighted HTTPRoute in the editor, refusing bad input beside its field and saving nothing', async () => {
    const named = async (path: string, name: string) =>
      (await call<{ items: { name: string }[] }>('GET', path)).items.filter((i) => i.name === name).length;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Gateways' }).click();
    await page.getByRole('link', { name: 'New gateway' }).click();
    await page.getByRole('heading', { name: 'New gateway' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('store');
    asked = [];
    // A port that is no number: GraphQL refuses the variable (graphql-js's coercion), and its message stands
    // beside the port field.
    await page.getByLabel('Listener 1 port').fill('eighty');
    await page.getByRole('button', { name: 'Create gateway' }).click();
    const portError = page.locator('#gw-listeners-0-port-error');
    await portError.waitFor();
    expect(await portError.textContent()).toMatch(/Int cannot represent/);
    expect(await page.getByLabel('Listener 1 port').getAttribute('aria-invalid')).toBe('true');
    expect(await named('/gateways', 'store')).toBe(0);
    // An out-of-range port: the API's message stands beside the port field, and no gateway exists.
    await page.getByLabel('Listener 1 port').fill('99999');
    await page.getByRole('button', { name: 'Create gateway' }).click();
    await expect.poll(() => portError.textContent()).toMatch(/65535|less than|too big/i);
    expect(await page.getByLabel('Listener 1 port').getAttribute('aria-invalid')).toBe('true');
    expect(await named('/gateways', 'store')).toBe(0);
    await shot('gateway-editor-error');
    // The same gateway as YAML, with a port that is no number: GraphQL's coercion error stands on the port's
    // line, and nothing is saved; back in the form, the port is fixed there.
    await page.getByLabel('YAML').check();
    const gwYaml = page.getByLabel('Gateway (Gateway API YAML)');
    const text = (await gwYaml.inputValue()).replace(/port: \d+/, 'port: eighty');
    await gwYaml.fill(text);
    await page.getByRole('button', { name: 'Create gateway' }).click();
    const gwYamlError = page.getByTestId('yaml-error');
    await gwYamlError.waitFor();
    const portLine = text.split('\n').findIndex((l) => l.includes('port: eighty')) + 1;
    expect(await gwYamlError.textContent()).toContain(
      `Line ${portLine}: spec.listeners[0].port: Int cannot represent`,
    );
    expect(await gwYaml.getAttribute('aria-invalid')).toBe('true');
    expect(await named('/gateways', 'store')).toBe(0);
    await page.getByLabel('Form', { exact: true }).check();
    await page.getByLabel('Listener 1 port').fill('80');
    await page.getByRole('button', { name: 'Create gateway' }).click();
    await page.getByRole('heading', { name: 'default/store', exact: true }).waitFor();
    const storeId = /\/gateways\/([0-9a-f-]{36})$/.exec(page.url())![1]!;

    // A route with two weighted backends, first with a weight the API refuses.
    await page.getByRole('link', { name: 'Add route' }).click();
    await page.getByRole('heading', { name: 'New route on default/store' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('store');
    await page.getByLabel('Hostnames').fill('store.example.com');
    await page.getByLabel('Rule 1 path', { exact: true }).fill('/cart');
    await page.getByLabel('Rule 1 backend 1 service').fill('cart');
    await page.getByLabel('Rule 1 backend 1 port').fill('8080');
    await page.getByLabel('Rule 1 backend 1 weight').fill('80');
    await page.getByRole('button', { name: 'Add a backend to rule 1' }).click();
    await page.getByLabel('Rule 1 backend 2 service').fill('cart-canary');
    await page.getByLabel('Rule 1 backend 2 port').fill('8080');
    await page.getByLabel('Rule 1 backend 2 weight').fill('2000000');
    await page.getByRole('button', { name: 'Create route' }).click();
    const weightError = page.locator('#route-spec-rules-0-backendRefs-1-weight-error');
    await weightError.waitFor();
    expect((await weightError.textContent())?.length).toBeGreaterThan(0);
    expect(await page.getByLabel('Rule 1 backend 2 weight').getAttribute('aria-invalid')).toBe('true');
    expect(await named(`/routes?gatewayId=${storeId}`, 'store')).toBe(0);
    await shot('route-editor-error');
    await page.getByLabel('Rule 1 backend 2 weight').fill('20');
    await page.getByRole('button', { name: 'Create route' }).click();
    await page.getByRole('heading', { name: 'default/store', exact: true }).waitFor();
    const graph = page.getByTestId('topology');
    await graph.locator('[data-kind="route"]').first().waitFor();
    await expect.poll(() => graph.getByRole('button', { name: /^Backend cart:8080 · 80%/ }).count()).toBe(1);
    expect(await graph.getByRole('button', { name: /^Backend cart-canary:8080 · 20%/ }).count()).toBe(1);
    expect(await named(`/routes?gatewayId=${storeId}`, 'store')).toBe(1);

    // The YAML editor: bad YAML is refused with its line; an invalid route with the API's error on its line.
    await page.getByRole('link', { name: 'Add route' }).click();
    await page.getByRole('heading', { name: 'New route on default/store' }).waitFor();
    await page.getByLabel('YAML').check();
    const yaml = page.getByLabel('Route (Gateway API YAML)');
    await yaml.fill('kind: HTTPRoute\nmetadata:\n  name: broken\nspec: {rules: [\n');
    await page.getByRole('button', { name: 'Create route' }).click();
    const yamlError = page.getByTestId('yaml-error');
    await yamlError.waitFor();
    expect(await yamlError.textContent()).toMatch(/^Line \d+: /);
    const invalid = [
      'apiVersion: gateway.networking.k8s.io/v1',
      'kind: HTTPRoute',
      'metadata:',
      '  name: invalid',
      'spec:',
      '  parentRefs: [{ name: store }]',
      '  rules:',
      '    - backendRefs:',
      '        - name: cart',
      '          port: 70000',
      '',
    ].join('\n');
    await yaml.fill(invalid);
    await page.getByRole('button', { name: 'Create route' }).click();
    await expect.poll(() => yamlError.textContent()).toContain('spec.rules[0].backendRefs[0].port');
    expect(await yamlError.textContent()).toMatch(/^Line 10: /);
    expect(await yaml.getAttribute('aria-invalid')).toBe('true');
    await shot('route-yaml-error');
    expect(await named(`/routes?gatewayId=${storeId}`, 'invalid')).toBe(0);
    expect(await named(`/routes?gatewayId=${storeId}`, 'broken')).toBe(0);
    await page.getByRole('link', { name: 'Cancel' }).click();

    // Edit the route in the form: the weights change, and the revisions show it side by side.
    const newest = async () =>
      (await call<{ items: { version: number }[] }>('GET', `/gateways/${storeId}/revisions?limit=1`)).items[0]
        ?.version ?? 0;
    await expect.poll(newest, { timeout: 15_000 }).toBeGreaterThan(0);
    const before = await newest();
    await graph.getByRole('button', { name: /^Route HTTPRoute default\/store/ }).click();
    await page.getByRole('link', { name: 'Edit route' }).click();
    await page.getByRole('heading', { name: 'Edit route default/store' }).waitFor();
    expect(await page.getByLabel('Rule 1 backend 1 weight').inputValue()).toBe('80');
    await page.getByLabel('Rule 1 backend 1 weight').fill('50');
    await page.getByLabel('Rule 1 backend 2 weight').fill('50');
    await shot('route-editor');
    await page.getByRole('button', { name: 'Save route' }).click();
    await page.getByRole('heading', { name: 'default/store', exact: true }).waitFor();
    await expect.poll(() => graph.getByRole('button', { name: /^Backend cart:8080 · 50%/ }).count()).toBe(1);
    await expect.poll(newest, { timeout: 15_000 }).toBeGreaterThan(before);
    const edited = await newest();
    await page.getByRole('link', { name: 'Revisions' }).click();
    await page.getByRole('heading', { name: 'Revisions of default/store' }).waitFor();
    const diff = page.getByTestId('diff');
    const changed = diff.locator('.sbs-row.changed');
    await changed.first().waitFor();
    const pairs = await changed.evaluateAll((rows) =>
      rows.map((r) => [r.querySelector('.l')?.textContent ?? '', r.querySelector('.r')?.textContent ?? '']),
    );
    expect(pairs.some(([l, r]) => /"weight": 80/.test(l!) && /"weight": 50/.test(r!))).toBe(true);
    const row = page.locator(`tr[data-version="${before}"]`);
    await row.getByRole('button', { name: `Roll back to v${before}` }).click();
    await page
      .getByRole('dialog', { name: `Roll back to v${before}?` })
      .getByRole('button', { name: `Roll back to v${before}` })
      .click();
    await page.getByRole('status').filter({ hasText: 'Rolled back' }).waitFor();
    expect(await newest()).toBe(edited + 1);
    // Every save above went to the typed GraphQL mutations; the page made no REST call at all.
    const saves = graphqlAsked().filter((o) =>
      /^POST (CreateGateway|UpdateGatewayListeners|UpsertRoute|UpdateRoute|Rollback)$/.test(o),
    );
    expect(saves).toEqual([
      'POST CreateGateway',
      'POST CreateGateway',
      'POST CreateGateway',
      'POST CreateGateway',
      'POST UpsertRoute',
      'POST UpsertRoute',
      'POST UpsertRoute',
      'POST UpdateRoute',
      'POST Rollback',
    ]);
    expect(restAsked()).toEqual([]);
  });

  it('shows templates, address pools, clusters and the audit log, and lets an admin edit templates and pools', async () => {
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('heading', { name: 'Templates', exact: true }).waitFor();
    const row = page.locator('tr[data-template="default"]');
    await row.waitFor();
    await shot('templates');
    // An admin edits the account's template: an invalid replica count is refused beside its field.
    await row.getByRole('button', { name: 'Edit default' }).click();
    const edit = page.getByRole('form', { name: 'Edit template default' });
    asked = [];
    // A count that is no number (refused by GraphQL's coercion of the variable), then one out of range (by
    // the API's own validation): each beside the field.
    await edit.getByLabel('Replicas').fill('many');
    await edit.getByRole('button', { name: 'Save template' }).click();
    const replicasError = edit.locator('#tpl-default-replicas-error');
    await replicasError.waitFor();
    expect(await replicasError.textContent()).toMatch(/Int cannot represent/);
    await edit.getByLabel('Replicas').fill('500');
    await edit.getByRole('button', { name: 'Save template' }).click();
    await expect.poll(() => replicasError.textContent()).toMatch(/100/);
    const replicas = async () =>
      (
        await call<{ items: { name: string; replicas: number; accountId: string | null }[] }>(
          'GET',
          '/templates',
        )
      ).items.find((t) => t.name === 'default' && t.accountId)?.replicas;
    const was = await replicas();
    expect(was).not.toBe(500);
    await edit.getByLabel('Replicas').fill('2');
    await edit.getByLabel('Description').fill('Two proxies');
    await edit.getByRole('button', { name: 'Save template' }).click();
    await row.getByRole('cell', { name: 'Two proxies' }).waitFor();
    expect(await replicas()).toBe(2);
    expect(graphqlAsked().filter((o) => o === 'POST UpdateTemplate')).toHaveLength(3);
    expect(restAsked()).toEqual([]);

    await nav.getByRole('link', { name: 'Address pools' }).click();
    await page.getByRole('heading', { name: 'Address pools' }).waitFor();
    await page.getByTestId('pools').waitFor();
    const pools = async () =>
      (await call<{ items: { name: string }[] }>('GET', '/address-pools')).items.length;
    const poolCount = await pools();
    await page.getByLabel('Pool name').fill('lab');
    await page.getByLabel('Addresses (CIDR or range)').fill('not-a-cidr');
    await page.getByRole('button', { name: 'Create pool' }).click();
    await page.locator('#pool-spec-error').waitFor();
    expect(await page.getByLabel('Addresses (CIDR or range)').getAttribute('aria-invalid')).toBe('true');
    expect(await pools()).toBe(poolCount);
    await shot('address-pools');
    await page.getByLabel('Addresses (CIDR or range)').fill('198.51.100.0/28');
    await page.getByRole('button', { name: 'Create pool' }).click();
    await page.locator('tr[data-pool="lab"]').waitFor();
    await page.getByRole('button', { name: 'Delete lab' }).click();
    await page.locator('tr[data-pool="lab"]').waitFor({ state: 'detached' });

    // The error state (the API answering 500 to the page's GraphQL query), then Retry reaches the empty state.
    const clustersQuery = (url: URL) =>
      url.pathname === '/graphql' && /query Clusters\b/.test(url.searchParams.get('query') ?? '');
    await page.route(clustersQuery, (r) =>
      r.fulfill({
        status: 500,
        contentType: 'application/json',
        body: JSON.stringify({
          data: null,
          errors: [
            {
              message: 'the cluster list failed',
              extensions: { code: 'Internal', status: 500, requestId: 'req-e2e' },
            },
          ],
        }),
      }),
    );
    await nav.getByRole('link', { name: 'Clusters' }).click();
    await page.getByRole('heading', { name: 'Clusters' }).waitFor();
    const alert = page.getByRole('alert').filter({ hasText: 'the cluster list failed' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('req-e2e');
    await shot('clusters-error');
    await page.unroute(clustersQuery);
    await alert.getByRole('button', { name: 'Retry' }).click();
    await page.getByText('No workload cluster is registered yet.').waitFor();
    await shot('clusters');

    await nav.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const audit = page.getByTestId('audit');
    await audit.waitFor();
    expect(await audit.textContent()).toContain('template');
    await shot('audit-log');
  });

  it('a GitHub sign-in through the provider creates a new account', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByRole('link', { name: 'Sign in with GitHub' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const who = (await page.locator('.who').textContent()) ?? '';
    expect(who).toContain('Mona-Lisa');
    expect(who).toContain('mona-lisa');
    // A new account: it has its copy of the starter templates, and sees none of the demo account's gateways.
    const templates = await page.evaluate(async () =>
      ((await (await fetch('/api/v1/templates')).json()) as { items: { name: string }[] }).items.map(
        (t) => t.name,
      ),
    );
    expect(templates).toContain('default');
    await page.getByRole('link', { name: 'Gateways' }).click();
    await page.getByText('This account has no gateways yet.').waitFor();
    expect(await page.getByRole('link', { name: 'default/shop' }).count()).toBe(0);
    await shot('gateways-empty');
    await page.goto(`${base}/gateways/${gatewayId}`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/not found/i);
    await shot('gateway-not-found');
    // A page whose code cannot be loaded: its place shows the error, the navigation stays usable.
    await page.route('**/assets/audit-log-*.js', (r) => r.abort());
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('alert').getByRole('button', { name: 'Retry' }).waitFor();
    await page.unroute('**/assets/audit-log-*.js');
    await nav.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    // Signed out and in again: the same user and account, found by GitHub id.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in with GitHub' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await page.locator('.who').textContent()).toBe(who);
  });

  it("refuses a mutation made with the session cookie but without the session's CSRF token", async () => {
    const status = (withToken: boolean) =>
      page.evaluate(async (send) => {
        const session = (await (await fetch('/auth/session')).json()) as { csrfToken: string };
        const r = await fetch('/api/v1/api-keys', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(send ? { 'x-csrf-token': session.csrfToken } : {}),
          },
          body: JSON.stringify({ name: send ? 'with-token' : 'without-token' }),
        });
        return r.status;
      }, withToken);
    expect(await status(false)).toBe(403);
    expect(await status(true)).toBe(201);
    // The same over GraphQL, where the editors now save: a mutation without the token is refused.
    const graphqlStatus = (withToken: boolean) =>
      page.evaluate(async (send) => {
        const session = (await (await fetch('/auth/session')).json()) as { csrfToken: string };
        const r = await fetch('/graphql', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(send ? { 'x-csrf-token': session.csrfToken } : {}),
          },
          body: JSON.stringify({
            query: 'mutation K($input: CreateApiKeyInput!) { createApiKey(input: $input) { id } }',
            variables: { input: { name: send ? 'gql-with-token' : 'gql-without-token', role: 'viewer' } },
          }),
        });
        return {
          status: r.status,
          body: (await r.json()) as { data: unknown; errors?: { extensions: { code: string } }[] },
        };
      }, withToken);
    const refused = await graphqlStatus(false);
    expect(refused.status).toBe(403);
    expect(refused.body.data ?? null).toBeNull();
    const allowed = await graphqlStatus(true);
    expect([allowed.status, allowed.body.errors]).toEqual([200, undefined]);
  });
});
