import type { ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GOBGP_PROTO_DIR, Gobgp } from './bgp.js';
import type { NodeBgpSettings, NodeDesiredState, ProxyObservation } from './contract.js';
import { NodeReconciler } from './reconcile.js';
import { Bird } from './test-support/bird.js';
import { fileMissing, Lab, randomPort, unavailableReason, waitFor } from './test-support/netns.js';

const unavailable =
  unavailableReason(['gobgpd', 'bird', 'birdc']) ?? fileMissing(join(DEFAULT_GOBGP_PROTO_DIR, 'gobgp.proto'));
if (unavailable) console.warn(`skipping the gobgpd/bird namespace tests: ${unavailable}`);

const PREFIX = '203.0.113.10/32';
const GATEWAY = 'gw-1';

const desired = (opts: { draining?: boolean; gateways?: boolean } = {}): NodeDesiredState => ({
  node: 'n',
  draining: opts.draining ?? false,
  gateways:
    opts.gateways === false
      ? []
      : [
          {
            gatewayId: GATEWAY,
            addresses: ['203.0.113.10'],
            advertise: [{ prefix: PREFIX }],
            ports: [{ port: 443, protocol: 'TCP' }],
            revision: 3,
            tunnels: [],
          },
        ],
});

const proxy = (ready: boolean, ackedVersion: number | null): ProxyObservation[] => [
  { gatewayId: GATEWAY, podName: 'envoy-0', vethIfindex: null, ready, ackedVersion },
];

/*
 *   epic-node-1 (10.92.1.2, gobgpd AS65001) ──veth── router (bird AS65000) ──veth── epic-node-2 (10.92.2.2)
 *                                            10.92.1.1          10.92.2.1
 * Each gobgpd is driven through its API socket in the test's temp dir; bird listens on a random port.
 */
describe.skipIf(unavailable !== undefined)(
  'BGP announcements through gobgpd to a bird router',
  { timeout: 30_000 },
  () => {
    const lab = new Lab();
    const port = randomPort();
    let router: string;
    let bird: Bird;
    const nodes: Array<{
      ns: string;
      sock: string;
      settings: NodeBgpSettings;
      reconciler: NodeReconciler;
      bgp: Gobgp;
      daemon: ChildProcess;
    }> = [];

    const startGobgpd = async (ns: string, sock: string): Promise<ChildProcess> => {
      rmSync(sock, { force: true });
      const daemon = lab.spawn(ns, 'gobgpd', [
        `--api-hosts=unix://${sock}`,
        '--pprof-disable',
        '-p',
        '-l',
        'warn',
      ]);
      await waitFor('the gobgpd API socket', () => existsSync(sock));
      return daemon;
    };

    const node = (i: 1 | 2) => nodes[i - 1]!;

    const startNode = async (i: 1 | 2) => {
      const ns = lab.ns(`n${i}`);
      lab.link(
        { ns: router, dev: `r${i}`, cidr: `10.92.${i}.1/24` },
        { ns, dev: 'eth0', cidr: `10.92.${i}.2/24` },
      );
      const sock = join(lab.dir, `gobgpd-${i}.sock`);
      const daemon = await startGobgpd(ns, sock);
      const settings: NodeBgpSettings = {
        asn: 65001,
        routerId: `10.92.${i}.2`,
        peers: [{ address: `10.92.${i}.1`, asn: 65000, port }],
      };
      const bgp = new Gobgp({ target: `unix://${sock}`, connectRetrySeconds: 1 });
      nodes[i - 1] = { ns, sock, settings, bgp, daemon, reconciler: new NodeReconciler({ bgp }, settings) };
    };

    beforeAll(async () => {
      router = lab.ns('router');
      await startNode(1);
      await startNode(2);
      bird = await Bird.start(lab, router, {
        routerId: '10.92.0.1',
        asn: 65000,
        port,
        neighbors: [1, 2].map((i) => ({
          name: `epic${i}`,
          localAddress: `10.92.${i}.1`,
          address: `10.92.${i}.2`,
          asn: 65001,
        })),
      });
      // Both speakers up and peered before the cases start (sessions take a few seconds to come up).
      for (const i of [1, 2] as const) {
        expect((await node(i).reconciler.reconcile(desired({ gateways: false }), [])).errors).toEqual([]);
      }
      await waitFor(
        'both BGP sessions',
        () => bird.established('epic1') && bird.established('epic2'),
        25_000,
      );
    }, 40_000);

    afterAll(async () => {
      for (const n of nodes) n?.bgp.close();
      await lab.cleanup();
    });

    it('announces the /32 only once a local proxy is ready and has ACKed the revision', async () => {
      const n1 = node(1);
      const r = await n1.reconciler.reconcile(desired(), proxy(false, 3));
      expect(r.errors).toEqual([]);
      expect(r.plan.gateways).toEqual([{ gatewayId: GATEWAY, announced: false, reason: 'no-ready-proxy' }]);
      // Ready but still on an older revision: still nothing.
      await n1.reconciler.reconcile(desired(), proxy(true, 2));
      await new Promise((res) => setTimeout(res, 1_000));
      expect(bird.route(PREFIX)).toBeUndefined();
      expect(bird.kernelRoute(PREFIX)).toBe('');
      expect(await n1.bgp.localPrefixes()).toEqual([]);

      const ok = await n1.reconciler.reconcile(desired(), proxy(true, 3));
      expect(ok.bgp?.paths).toEqual({ added: 1, removed: 0 });
      await waitFor('the route at bird', () => bird.route(PREFIX));
      expect(bird.nextHops(PREFIX)).toEqual(['10.92.1.2']);
      await waitFor('the route in the router kernel', () =>
        bird.kernelRoute(PREFIX).includes('via 10.92.1.2'),
      );
    });

    it('does not flap the route when the agent restarts and reconciles again (gobgpd left running)', async () => {
      const before = bird.importCounters('epic1');
      const since = /\[epic1 ([^\]]+)\]/.exec(bird.route(PREFIX)!)?.[1];
      expect(since).toBeDefined();
      // A new agent: a new API client and reconciler, nothing carried over in memory.
      node(1).bgp.close();
      const bgp = new Gobgp({ target: `unix://${node(1).sock}`, connectRetrySeconds: 1 });
      node(1).bgp = bgp;
      const reconciler = new NodeReconciler({ bgp }, node(1).settings);
      const r = await reconciler.reconcile(desired(), proxy(true, 3));
      expect(r.bgp).toEqual({
        started: false,
        peers: { added: 0, removed: 0 },
        paths: { added: 0, removed: 0 },
      });
      await reconciler.reconcile(desired(), proxy(true, 3));
      await new Promise((res) => setTimeout(res, 1_000));
      expect(bird.importCounters('epic1')).toEqual(before);
      expect(/\[epic1 ([^\]]+)\]/.exec(bird.route(PREFIX)!)?.[1]).toBe(since);
      expect(bird.established('epic1')).toBe(true);
      node(1).reconciler = reconciler;
    });

    it('re-derives everything when gobgpd itself restarts (the agent keeps running)', async () => {
      const n1 = node(1);
      const exited = new Promise((r) => n1.daemon.once('exit', r));
      n1.daemon.kill('SIGKILL');
      await exited;
      await waitFor('the route gone with its speaker', () => bird.route(PREFIX) === undefined);
      n1.daemon = await startGobgpd(n1.ns, n1.sock);
      const r = await waitFor('a reconcile against the new gobgpd', async () => {
        const res = await n1.reconciler.reconcile(desired(), proxy(true, 3));
        return res.errors.length === 0 ? res : undefined;
      });
      expect(r.bgp).toEqual({
        started: true,
        peers: { added: 1, removed: 0 },
        paths: { added: 1, removed: 0 },
      });
      await waitFor('the route back at bird', () => bird.nextHops(PREFIX).join() === '10.92.1.2', 25_000);
    });

    it('a path removed behind the agent is put back once what it knows of gobgpd is listed again', async () => {
      const n1 = node(1);
      const bgp = new Gobgp({ target: `unix://${n1.sock}`, connectRetrySeconds: 1, listAgainMs: 1_000 });
      const reconciler = new NodeReconciler({ bgp }, n1.settings);
      try {
        await reconciler.reconcile(desired(), proxy(true, 3));
        expect(await n1.bgp.localPrefixes()).toEqual([PREFIX]);
        // Another writer (not the agent's own path) withdraws it.
        const other = new Gobgp({ target: `unix://${n1.sock}`, connectRetrySeconds: 1 });
        await other.reconcile(n1.settings, []);
        other.close();
        expect(await n1.bgp.localPrefixes()).toEqual([]);
        // Within listAgainMs the agent trusts what it knows; after it, it lists and adds the path again.
        expect((await reconciler.reconcile(desired(), proxy(true, 3))).bgp?.paths.added).toBe(0);
        await new Promise((res) => setTimeout(res, 1_100));
        expect((await reconciler.reconcile(desired(), proxy(true, 3))).bgp?.paths.added).toBe(1);
        expect(await n1.bgp.localPrefixes()).toEqual([PREFIX]);
        await waitFor('the route back at bird', () => bird.route(PREFIX) !== undefined, 25_000);
      } finally {
        bgp.close();
      }
    });

    it('gives bird an ECMP route with two next hops when two EPIC nodes announce the gateway', async () => {
      await node(2).reconciler.reconcile(desired(), proxy(true, 4));
      await waitFor('two next hops at bird', () => bird.nextHops(PREFIX).length === 2);
      expect(bird.nextHops(PREFIX)).toEqual(['10.92.1.2', '10.92.2.2']);
      await waitFor('a multipath kernel route', () => {
        const k = bird.kernelRoute(PREFIX);
        return k.includes('nexthop via 10.92.1.2') && k.includes('nexthop via 10.92.2.2');
      });
    });

    it('withdraws when the node drains and when no proxy is ready any more', async () => {
      const drain = await node(1).reconciler.reconcile(desired({ draining: true }), proxy(true, 3));
      expect(drain.bgp?.paths).toEqual({ added: 0, removed: 1 });
      await waitFor('node 1 gone from bird', () => bird.nextHops(PREFIX).join() === '10.92.2.2');
      await waitFor('a single-path kernel route', () => !bird.kernelRoute(PREFIX).includes('nexthop'));
      expect(bird.kernelRoute(PREFIX)).toContain('via 10.92.2.2');
      // Back from drain, then its proxy goes unready: withdrawn again.
      await node(1).reconciler.reconcile(desired(), proxy(true, 3));
      await waitFor('node 1 back at bird', () => bird.nextHops(PREFIX).length === 2);
      await node(1).reconciler.reconcile(desired(), proxy(false, 3));
      await waitFor('node 1 gone again', () => bird.nextHops(PREFIX).join() === '10.92.2.2');
    });

    it('withdraws everywhere when the gateway is removed', async () => {
      for (const i of [1, 2] as const) {
        const r = await node(i).reconciler.reconcile(desired({ gateways: false }), []);
        expect(r.errors).toEqual([]);
      }
      await waitFor('the route gone from bird', () => bird.route(PREFIX) === undefined);
      await waitFor('the route gone from the kernel', () => bird.kernelRoute(PREFIX) === '');
      expect(await node(1).bgp.localPrefixes()).toEqual([]);
      expect(await node(2).bgp.localPrefixes()).toEqual([]);
    });

    it('originates IPv6 /128s and pool aggregates in gobgpd and withdraws them again', async () => {
      const g = desired().gateways[0]!;
      const state: NodeDesiredState = {
        ...desired(),
        gateways: [
          { ...g, addresses: ['2001:db8:0:0::7'], advertise: [] },
          { ...g, gatewayId: 'gw-2', addresses: ['198.18.0.9'], advertise: [{ prefix: '198.18.0.0/24' }] },
        ],
      };
      const ready: ProxyObservation[] = state.gateways.map((x) => ({
        ...proxy(true, 3)[0]!,
        gatewayId: x.gatewayId,
      }));
      const r = await node(1).reconciler.reconcile(state, ready);
      expect(r.errors).toEqual([]);
      expect(await node(1).bgp.localPrefixes()).toEqual(['198.18.0.0/24', '2001:db8::7/128']);
      await waitFor('the aggregate at bird', () => bird.route('198.18.0.0/24'));
      expect((await node(1).reconciler.reconcile(state, ready)).bgp?.paths).toEqual({
        added: 0,
        removed: 0,
      });
      await node(1).reconciler.reconcile(desired({ gateways: false }), []);
      expect(await node(1).bgp.localPrefixes()).toEqual([]);
      await waitFor('the aggregate gone from bird', () => bird.route('198.18.0.0/24') === undefined);
    });
  },
);
