import { startKubeTestServer, type KubeTestServer } from '@epic/kube-testserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eachLimited } from './controller.js';
import { KubeClient } from './kube-client.js';

// The controller's thin Kubernetes client against the test API server over TLS with a client certificate:
// a burst of patches reuses kept-alive connections instead of a TLS handshake each.
let server: KubeTestServer;
beforeAll(async () => {
  server = await startKubeTestServer();
});
afterAll(() => server?.close());

describe('the controller Kubernetes client', () => {
  it('sends a burst of requests over a few kept-alive TLS connections, and closes them when told', async () => {
    const client = new KubeClient(await server.kubeConfig());
    const sockets = new Set<unknown>();
    const counted = (client as unknown as { agents: { https: import('node:https').Agent } }).agents.https;
    const create = counted.createConnection.bind(counted);
    counted.createConnection = ((...args: Parameters<typeof create>) => {
      const s = create(...args);
      sockets.add(s);
      return s;
    }) as typeof counted.createConnection;
    for (let i = 0; i < 40; i++)
      await client.patch('/api/v1/namespaces/default', { metadata: { labels: { round: String(i) } } });
    // Sequential requests: one connection, kept alive between them.
    expect(sockets.size).toBe(1);
    await eachLimited(
      Array.from({ length: 64 }, (_, i) => i),
      8,
      async (i) => {
        await client.patch('/api/v1/namespaces/default', { metadata: { annotations: { [`n${i}`]: 'x' } } });
      },
    );
    expect(sockets.size).toBeLessThanOrEqual(1 + 8);
    client.close();
    expect([...sockets].every((x) => (x as import('node:net').Socket).destroyed)).toBe(true);
  });
});

describe('eachLimited', () => {
  it('runs every item, never more than the limit at once, and rejects with the first failure after all settled', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await eachLimited([...Array(20).keys()], 3, async (i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 2));
      seen.push(i);
      running--;
    });
    expect(peak).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(20).keys()]);

    const done: number[] = [];
    await expect(
      eachLimited([1, 2, 3, 4], 2, async (i) => {
        if (i === 2) throw new Error('two failed');
        await new Promise((r) => setTimeout(r, 5));
        done.push(i);
      }),
    ).rejects.toThrow('two failed');
    expect(done.sort()).toEqual([1, 3, 4]);
    await eachLimited([], 4, async () => {
      throw new Error('never called');
    });
  });
});
