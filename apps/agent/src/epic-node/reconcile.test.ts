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

  it("takes the ACK from the API's xDS record when the proxy's observer does not know it", () => {
    const reason = (over: Partial<DesiredGateway>, p: ProxyObservation) =>
      planNode(state([gw('a', over)]), [p]).gateways[0]?.reason;
    expect(reason({ ackedRevision: 5 }, px('a', true, null))).toBe('announced');
    expect(reason({ ackedRevision: 6 }, px('a', true, null))).toBe('announced');
    expect(reason({ ackedRevision: 4 }, px('a', true, null))).toBe('revision-not-acked');
    expect(reason({ ackedRevision: null }, px('a', true, null))).toBe('revision-not-acked');
    // Still only for a ready proxy, and the proxy's own (older) ACK wins over the gateway's record.
    expect(reason({ ackedRevision: 5 }, px('a', false, null))).toBe('no-ready-proxy');
    expect(reason({ ackedRevision: 5 }, px('a', true, 4))).toBe('revision-not-acked');
  });

  it("with per-proxy ACKs, only a proxy's own ACK counts: another pod's (the gateway's record) does not", () => {
    const reason = (over: Partial<DesiredGateway>, p: ProxyObservation) =>
      planNode(state([gw('a', over)]), [p]).gateways[0]?.reason;
    const ours = px('a', true, null);
    // The gateway's record says 5 was ACKed, by a pod on another node: this node's pod has ACKed nothing.
    expect(reason({ ackedRevision: 5, proxyAcks: [{ podName: ours.podName, revision: null }] }, ours)).toBe(
      'revision-not-acked',
    );
    expect(reason({ ackedRevision: 5, proxyAcks: [] }, ours)).toBe('revision-not-acked');
    expect(reason({ ackedRevision: 5, proxyAcks: [{ podName: 'other-pod', revision: 5 }] }, ours)).toBe(
      'revision-not-acked',
    );
    expect(reason({ ackedRevision: 5, proxyAcks: [{ podName: ours.podName, revision: 5 }] }, ours)).toBe(
      'announced',
    );
    expect(reason({ ackedRevision: 4, proxyAcks: [{ podName: ours.podName, revision: 6 }] }, ours)).toBe(
      'announced',
    );
    // The observer's own ACK still wins.
    expect(reason({ proxyAcks: [{ podName: ours.podName, revision: 5 }] }, px('a', true, 4))).toBe(
      'revision-not-acked',
    );
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

  it('keeps a gateway announced through a revision its ready proxy has not ACKed yet; only the first waits', () => {
    const g = [gw('a')];
    const now = ['203.0.113.10/32'];
    const reason = (p: ProxyObservation[], announcedNow: string[], over: Partial<DesiredGateway> = {}) =>
      planNode(state([gw('a', over)]), p, announcedNow).gateways[0]?.reason;
    // Revision 5 pending, the proxy on 4: announced already → stays; not announced yet → waits.
    expect(planNode(state(g), [px('a', true, 4)], now).prefixes).toEqual(now);
    expect(reason([px('a', true, 4)], [])).toBe('revision-not-acked');
    // The same through the API's record of ACKs.
    expect(reason([px('a', true, null)], now, { ackedRevision: 4 })).toBe('announced');
    // Never ACKed anything, unready, draining: not kept.
    expect(reason([px('a', true, null)], now)).toBe('revision-not-acked');
    expect(reason([px('a', false, 4)], now)).toBe('no-ready-proxy');
    expect(planNode(state(g, true), [px('a', true, 4)], now).prefixes).toEqual([]);
    // All of the gateway's prefixes must be announced now (an IPv6 one compared canonically).
    const v6 = { addresses: ['2001:db8:0:0::7'] };
    expect(reason([px('a', true, 4)], ['2001:db8::7/128'], v6)).toBe('announced');
    expect(
      reason([px('a', true, 4)], ['203.0.113.0/24'], { advertise: [{ prefix: '203.0.113.0/24' }] }),
    ).toBe('announced');
    expect(reason([px('a', true, 4)], ['198.51.100.1/32'])).toBe('revision-not-acked');
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

  it('plans with what gobgpd originates now; gobgpd unreachable counts as nothing announced', async () => {
    let local: () => Promise<string[]> = async () => ['203.0.113.10/32'];
    const announced: string[][] = [];
    const r = new NodeReconciler(
      {
        bgp: {
          localPrefixes: () => local(),
          reconcile: async (_s, p) => (
            announced.push([...p]),
            { started: false, peers: { added: 0, removed: 0 }, paths: { added: 0, removed: 0 } }
          ),
        },
      },
      { asn: 65001, routerId: '10.0.0.1', peers: [] },
    );
    await r.reconcile(state([gw('a')]), [px('a', true, 4)]);
    local = async () => {
      throw new Error('connect ECONNREFUSED');
    };
    const res = await r.reconcile(state([gw('a')]), [px('a', true, 4)]);
    expect(announced).toEqual([['203.0.113.10/32'], []]);
    expect(res.plan.gateways[0]?.reason).toBe('revision-not-acked');
  });
  it('starts from the gobgpd state read ahead (the loop reads it while the API answers) and hands it to gobgpd', async () => {
    const seen: unknown[] = [];
    const state0 = {
      global: { asn: 65001, router_id: '10.0.0.1', listen_port: -1 },
      peers: [],
      originated: ['203.0.113.10/32'],
    };
    const r = new NodeReconciler(
      {
        bgp: {
          localPrefixes: async () => {
            throw new Error('not read again');
          },
          readState: async () => state0,
          reconcile: async (_s, _p, s) => (
            seen.push(s),
            { started: false, peers: { added: 0, removed: 0 }, paths: { added: 0, removed: 0 } }
          ),
        },
      },
      { asn: 65001, routerId: '10.0.0.1', peers: [] },
    );
    const ahead = r.readBgp();
    // A ready proxy that has not ACKed the current revision: announced only because gobgpd already originates it.
    const res = await r.reconcile(state([gw('a')]), [px('a', true, 4)], ahead);
    expect(res.plan.gateways[0]?.reason).toBe('announced');
    expect(seen).toEqual([state0]);
  });
});
