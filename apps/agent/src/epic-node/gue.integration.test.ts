import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeServiceKey, decodeTunnelRef } from '@epic/gue-wire';
import { PinnedMap, runner } from '@epic/tunnel-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeDesiredState, ProxyObservation } from './contract.js';
import { GueProgrammer } from './gue.js';
import { planNode } from './reconcile.js';
import { Lab, unavailableReason } from './test-support/netns.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const unavailable = unavailableReason(['tc', 'bpftool', 'clang', 'make']);
if (unavailable) console.warn(`skipping the GUE programming namespace test: ${unavailable}`);

const desired: NodeDesiredState = {
  node: 'n1',
  draining: false,
  gateways: [
    {
      gatewayId: 'gw',
      addresses: ['203.0.113.10'],
      advertise: [],
      ports: [{ port: 443, protocol: 'TCP' }],
      revision: 1,
      tunnels: [
        {
          tunnelId: 9,
          clientNode: 'w1',
          localAddress: '198.51.100.1',
          localPort: 6080,
          remoteAddress: null,
          remotePort: null,
          services: [
            { address: '10.244.1.5', port: 8080, protocol: 'TCP' },
            { address: '10.244.1.6', port: 53, protocol: 'UDP' },
          ],
        },
      ],
    },
  ],
};

/*
 *   net ──veth── epic-node (eth0 198.51.100.1: decap/encap) ──veth envoy0── proxy (an Envoy's pod)
 * The node agent's plan (from the desired state and the proxy's veth ifindex) goes through tunnel-manager.
 */
describe.skipIf(unavailable !== undefined)(
  'GUE programming of an EPIC node (network namespaces)',
  { timeout: 30_000 },
  () => {
    const lab = new Lab();
    let epic: string;
    let gue: GueProgrammer;
    let ifindex: number;
    const proxies = (): ProxyObservation[] => [
      { gatewayId: 'gw', podName: 'envoy-0', vethIfindex: ifindex, ready: true, ackedVersion: 1 },
    ];
    const services = async () =>
      (await new PinnedMap(runner(), join(gue.tunnelManager.bpffs, 'tc/globals/gue_services')).dump())
        .map((e) => ({ ...decodeServiceKey(e.key), tunnelId: decodeTunnelRef(e.value) }))
        .sort((a, b) => a.podAddr.localeCompare(b.podAddr));

    beforeAll(() => {
      const r = spawnSync('node', ['scripts/build-bpf.mjs'], { cwd: repoRoot, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`building bpf/ failed: ${r.stderr}`);
      epic = lab.ns('epic');
      const net = lab.ns('net');
      const proxy = lab.ns('proxy');
      lab.link(
        { ns: epic, dev: 'eth0', cidr: '198.51.100.1/24' },
        { ns: net, dev: 'eth0', cidr: '198.51.100.2/24' },
      );
      lab.link(
        { ns: epic, dev: 'envoy0', cidr: '10.200.0.1/24' },
        { ns: proxy, dev: 'eth0', cidr: '10.200.0.2/24' },
      );
      ifindex = (
        JSON.parse(lab.sh(epic, 'ip', '-j', 'link', 'show', 'envoy0')) as Array<{ ifindex: number }>
      )[0]!.ifindex;
      gue = new GueProgrammer({
        instance: `en-${lab.id}`,
        nic: 'eth0',
        object: join(repoRoot, 'bpf/.output/gue.bpf.o'),
        netns: epic,
        stateDir: join(lab.dir, 'gue'),
      });
    }, 60_000);

    afterAll(async () => {
      // The bpffs is mounted under the lab's directory: unmount it before the directory goes.
      await gue?.tunnelManager.uninstall(['envoy0']).catch(() => undefined);
      await lab.cleanup();
    });

    it('attaches the tag program to the Envoy veth and writes the tunnel and its service entries', async () => {
      const r = await gue.reconcile(planNode(desired, proxies()).gue!);
      expect(r.attached).toBe(3);
      expect(lab.sh(epic, 'tc', 'filter', 'show', 'dev', 'envoy0', 'ingress')).toMatch(/tag/);
      expect([...(await gue.tunnelManager.tunnels()).entries()].map(([id, t]) => [id, t.localAddr])).toEqual([
        [9, '198.51.100.1'],
      ]);
      expect(await services()).toEqual([
        { podAddr: '10.244.1.5', podPort: 8080, proto: 6, mark: ifindex, tunnelId: 9 },
        { podAddr: '10.244.1.6', podPort: 53, proto: 17, mark: ifindex, tunnelId: 9 },
      ]);
    });

    it('changes nothing when reconciled again by a restarted agent', async () => {
      const again = new GueProgrammer({
        instance: `en-${lab.id}`,
        nic: 'eth0',
        object: join(repoRoot, 'bpf/.output/gue.bpf.o'),
        netns: epic,
        stateDir: join(lab.dir, 'gue'),
      });
      const r = await again.reconcile(planNode(desired, proxies()).gue!);
      expect(r).toMatchObject({
        attached: 0,
        tunnels: { added: 0, changed: 0, removed: 0 },
        services: { added: 0, changed: 0, removed: 0 },
      });
    });

    it('drops the service entries of a proxy that left the node, and skips a veth that no longer exists', async () => {
      const gone = planNode(desired, []).gue!;
      expect((await gue.reconcile(gone)).services.removed).toBe(2);
      expect(await services()).toEqual([]);
      const stale = planNode(desired, [{ ...proxies()[0]!, vethIfindex: 99_999 }]).gue!;
      expect((await gue.reconcile(stale)).services).toEqual({ added: 0, changed: 0, removed: 0 });
    });
  },
);
