import { describe, expect, it } from 'vitest';
import type { Exec } from './exec.js';
import { podListPath, podObserver, type ObservedPod } from './pod-observer.js';

const GW = 'epic-gateway.io/gateway-id';
const pod = (
  name: string,
  over: Partial<ObservedPod> & { ready?: boolean; ip?: string } = {},
): ObservedPod => ({
  metadata: { name, labels: { [GW]: 'gw-a' }, ...over.metadata },
  status: {
    ...(over.ip ? { podIP: over.ip } : {}),
    conditions: [{ type: 'Ready', status: over.ready === false ? 'False' : 'True' }],
  },
});

/** `ip -j` as a node with a veth per pod (10.1.0.x via vethx), an uplink with a default route, and lo. */
const ip: Exec = async (_cmd, args) => {
  if (args.join(' ') === '-j link show')
    return JSON.stringify([
      { ifname: 'lo', ifindex: 1 },
      { ifname: 'eth0', ifindex: 2 },
      { ifname: 'veth7', ifindex: 17 },
    ]);
  const dst = args[3]!;
  if (dst === '10.1.0.7') return JSON.stringify([{ dst, dev: 'veth7', prefsrc: '10.0.0.2' }]);
  if (dst === '10.0.0.2') return JSON.stringify([{ type: 'local', dst, dev: 'lo' }]);
  if (dst === '10.9.0.1') throw new Error('RTNETLINK answers: Network is unreachable');
  return JSON.stringify([{ dst, gateway: '10.0.0.1', dev: 'eth0' }]);
};

describe('podObserver', () => {
  it('lists the fleet pods of its node only, by the owner labels and spec.nodeName', () => {
    const u = new URL(podListPath('epic-1'), 'https://k');
    expect(u.pathname).toBe('/api/v1/pods');
    expect(u.searchParams.get('fieldSelector')).toBe('spec.nodeName=epic-1');
    expect(u.searchParams.get('labelSelector')).toBe(
      'app.kubernetes.io/managed-by=epic,app.kubernetes.io/name=envoy,epic-gateway.io/gateway-id',
    );
  });

  it("derives readiness from the Ready condition and the veth from the node's route to the pod", async () => {
    const items: ObservedPod[] = [
      pod('b-ready', { ip: '10.1.0.7' }),
      pod('a-unready', { ip: '10.1.0.7', ready: false }),
      pod('c-terminating', { ip: '10.1.0.7', metadata: { name: 'c-terminating', deletionTimestamp: 'x' } }),
      pod('d-routed', { ip: '192.0.2.9' }),
      pod('e-hostnet', { ip: '10.0.0.2' }),
      pod('f-no-ip'),
      pod('g-unreachable', { ip: '10.9.0.1' }),
    ];
    const paths: string[] = [];
    const obs = podObserver({
      kube: { get: async (p) => (paths.push(p), { items }) },
      node: 'epic-1',
      exec: ip,
    });
    const seen = await obs.observe();
    expect(paths).toEqual([podListPath('epic-1')]);
    expect(seen.map((p) => [p.podName, p.ready, p.vethIfindex])).toEqual([
      ['a-unready', false, 17],
      ['b-ready', true, 17],
      ['c-terminating', false, 17],
      ['d-routed', true, null],
      ['e-hostnet', true, null],
      ['f-no-ip', true, null],
      ['g-unreachable', true, null],
    ]);
    expect(seen.every((p) => p.gatewayId === 'gw-a' && p.ackedVersion === null)).toBe(true);
  });

  it('has nothing to report (and runs no ip) when no fleet pod is on the node', async () => {
    let ran = 0;
    const obs = podObserver({
      kube: { get: async () => ({ items: [{ metadata: { name: 'x', labels: {} } }] }) },
      node: 'epic-1',
      exec: async () => (ran++, '[]'),
    });
    expect(await obs.observe()).toEqual([]);
    expect(ran).toBe(0);
  });

  it('fails the round when the EPIC cluster cannot be read (the loop keeps what is programmed)', async () => {
    const obs = podObserver({
      kube: {
        get: async () => {
          throw new Error('Kubernetes API answered 503');
        },
      },
      node: 'epic-1',
      exec: ip,
    });
    await expect(obs.observe()).rejects.toThrow(/503/);
  });
});
