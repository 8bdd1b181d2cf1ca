import { describe, expect, it } from 'vitest';
import type { DesiredGateway, NodeDesiredState, ProxyObservation } from './contract.js';
import { NodeReconciler, planNode } from './reconcile.js';

const gw = (id: string, over: Partial<DesiredGateway> = {}): DesiredGateway => ({
  gatewayId: id,
  addresses: ['203.0.113.10'],
  advertise: [],
  ports: [{ port: 443, protocol: 'TCP' }],
  revision: 5,
  tunnels: [],
  ...over,
});
const state = (gateways: DesiredGateway[], draining = false): NodeDesiredState => ({
  node: 'n1',
  draining,
  gateways,
});
const px = (
  gatewayId: string,
  ready: boolean,
  ackedVersion: number | null,
  vethIfindex: number | null = null,
) =>
  ({ gatewayId, podName: `${gatewayId}-pod`, vethIfindex, ready, ackedVersion }) satisfies ProxyObservation;

describe('planNode', () => {
  it('announces a gateway only when a local proxy is ready and has ACKed its revision (or a newer one)', () => {
    const g = [gw('a')];
    expect(planNode(state(g), []).gateways[0]?.reason).toBe('no-local-proxy');
    expect(planNode(state(g), [px('a', false, 5)]).gateways[0]?.reason).toBe('no-ready-proxy');
    expect(planNode(state(g), [px('a', true, 4)]).gateways[0]?.reason).toBe('revision-not-acked');
    expect(planNode(state(g), [px('a', true, null)]).gateways[0]?.reason).toBe('revision-not-acked');
    expect(planNode(state(g), [px('a', true, 5)]).prefixes).toEqual(['203.0.113.10/32']);
    expect(planNode(state(g), [px('a', true, 6)]).prefixes).toEqual(['203.0.113.10/32']);
    // One ready proxy is enough; another gateway's proxy is not.
    expect(planNode(state(g), [px('a', false, 5), px('a', true, 5)]).prefixes).toHaveLength(1);
    expect(planNode(state(g), [px('b', true, 5)]).prefixes).toEqual([]);
  });

  it('announces nothing while the node drains but keeps the firewall open', () => {
    const p = planNode(state([gw('a')], true), [px('a', true, 5)]);
    expect(p.prefixes).toEqual([]);
    expect(p.gateways[0]?.reason).toBe('draining');
    expect(p.firewall).toEqual([{ address: '203.0.113.10', ports: [{ port: 443, protocol: 'TCP' }] }]);
  });

  it('announces the aggregate when the template says so, once for gateways sharing it; /128 for IPv6', () => {
    const agg = [{ prefix: '203.0.113.0/24' }];
    const p = planNode(
      state([
        gw('a', { advertise: agg }),
        gw('b', { addresses: ['203.0.113.11'], advertise: agg }),
        gw('c', { addresses: ['2001:db8::7'] }),
      ]),
      [px('a', true, 5), px('b', true, 5), px('c', true, 5)],
    );
    expect(p.prefixes).toEqual(['2001:db8::7/128', '203.0.113.0/24']);
  });

  it('derives the GUE plan: tunnels, the veths of local proxies, one service entry per backend and veth', () => {
    const tunnel = {
      tunnelId: 9,
      clientNode: 'w1',
      localAddress: '198.51.100.1',
      localPort: 6080,
      remoteAddress: null,
      remotePort: null,
      services: [{ address: '10.244.1.5', port: 8080, protocol: 'TCP' as const }],
    };
    const p = planNode(state([gw('a', { tunnels: [tunnel] })]), [
      px('a', true, 5, 12),
      px('a', false, null, 14),
    ]);
    expect(p.gue).toEqual({
      localAddr: '198.51.100.1',
      tunnelIds: [9],
      vethIfindexes: [12, 14],
      services: [
        { podAddr: '10.244.1.5', podPort: 8080, proto: 6, mark: 12, tunnelId: 9 },
        { podAddr: '10.244.1.5', podPort: 8080, proto: 6, mark: 14, tunnelId: 9 },
      ],
    });
    expect(planNode(state([gw('a')]), []).gue).toBeNull();
  });
});

describe('NodeReconciler', () => {
  it('programs the firewall before announcing, and a failing part does not stop the others', async () => {
    const calls: string[] = [];
    const r = new NodeReconciler(
      {
        firewall: { apply: async () => void calls.push('firewall') },
        bgp: {
          reconcile: async (_s, prefixes) => {
            calls.push(`bgp:${prefixes.join()}`);
            throw new Error('gobgpd down');
          },
        },
      },
      { asn: 65001, routerId: '10.0.0.1', peers: [] },
    );
    const res = await r.reconcile(state([gw('a')]), [px('a', true, 5)]);
    expect(calls).toEqual(['firewall', 'bgp:203.0.113.10/32']);
    expect(res.errors).toEqual([{ part: 'bgp', message: 'gobgpd down' }]);
  });
});
