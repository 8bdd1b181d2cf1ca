import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Firewall, firewallBatch, type FirewallEntry } from './firewall.js';
import { Lab, randomPort, unavailableReason } from './test-support/netns.js';
import { Prober, startListener } from './test-support/prober.js';

const unavailable = unavailableReason(['nft']);
if (unavailable) console.warn(`skipping the nftables namespace tests: ${unavailable}`);

describe('firewallBatch', () => {
  it('replaces only the EPIC table: add, delete, re-create in one batch, then its chains', () => {
    const cmds = firewallBatch([]).nftables;
    expect(cmds.slice(0, 3)).toEqual([
      { add: { table: { family: 'inet', name: 'epic' } } },
      { delete: { table: { family: 'inet', name: 'epic' } } },
      { add: { table: { family: 'inet', name: 'epic' } } },
    ]);
    expect(JSON.stringify(cmds)).not.toMatch(/flush|ruleset/);
  });

  it('gives the same batch for the same entries in any order', () => {
    const a: FirewallEntry = { address: '203.0.113.1', ports: [{ port: 80, protocol: 'TCP' }] };
    const b: FirewallEntry = { address: '2001:db8::1', ports: [{ port: 443, protocol: 'UDP' }] };
    expect(firewallBatch([a, b])).toEqual(firewallBatch([b, a]));
  });

  it('refuses something that is not an address', () => {
    expect(() => firewallBatch([{ address: '203.0.113.0/24', ports: [] }])).toThrow(/not an IP address/);
  });
});

/*
 *   client (10.91.0.2) ──veth── node (10.91.0.1; 203.0.113.10 and 203.0.113.11 on lo)
 * The node listens on two ports on every address; the EPIC table serves 203.0.113.10 with one of them.
 */
describe.skipIf(unavailable !== undefined)(
  'EPIC nftables table (network namespaces)',
  { timeout: 30_000 },
  () => {
    const lab = new Lab();
    let node: string;
    let prober: Prober;
    let fw: Firewall;
    const open = randomPort();
    const closed = open + 1;
    const served = '203.0.113.10';
    const other = '203.0.113.11';

    beforeAll(async () => {
      node = lab.ns('node');
      const client = lab.ns('client');
      lab.link(
        { ns: client, dev: 'eth0', cidr: '10.91.0.2/24' },
        { ns: node, dev: 'eth0', cidr: '10.91.0.1/24' },
      );
      lab.sh(node, 'ip', 'addr', 'add', `${served}/32`, 'dev', 'lo');
      lab.sh(node, 'ip', 'addr', 'add', `${other}/32`, 'dev', 'lo');
      lab.sh(client, 'ip', 'route', 'add', '203.0.113.0/24', 'via', '10.91.0.1');
      // Someone else's table on the node: EPIC must never touch it.
      lab.sh(node, 'nft', 'add table ip other; add chain ip other c { type filter hook input priority 0; }');
      lab.sh(node, 'nft', 'add rule ip other c tcp dport 9 counter accept');
      await startListener(lab, node, [open, closed]);
      prober = await Prober.start(lab, client);
      fw = new Firewall({ netns: node });
    });

    afterAll(() => lab.cleanup());

    const entries = (extra: number[] = []): FirewallEntry[] => [
      { address: served, ports: [open, ...extra].map((port) => ({ port, protocol: 'TCP' as const })) },
    ];

    it('lets traffic reach a listener port, drops another port of the same address, leaves other addresses alone', async () => {
      // Before: everything reachable.
      expect(await prober.probe(served, closed)).toBe('open');
      await fw.apply(entries());
      expect(await prober.probe(served, open)).toBe('open');
      expect(await prober.probe(served, closed, 300)).toBe('timeout');
      expect(await prober.probe(other, closed)).toBe('open');
      expect(await prober.probe(other, open)).toBe('open');
      expect(lab.sh(node, 'nft', 'list', 'table', 'ip', 'other')).toMatch(/tcp dport 9 counter/);
    });

    it('opens a port when it becomes a listener and closes everything when the gateway leaves', async () => {
      await fw.apply(entries([closed]));
      expect(await prober.probe(served, closed)).toBe('open');
      await fw.apply([]);
      expect(await prober.probe(served, closed)).toBe('open');
      expect(await fw.list()).not.toBeNull();
      await fw.remove();
      expect(await fw.list()).toBeNull();
      expect(lab.sh(node, 'nft', 'list', 'table', 'ip', 'other')).toMatch(/tcp dport 9 counter/);
    });

    it('never opens a gap while the table is replaced 50 times under traffic', async () => {
      await fw.apply(entries());
      let updating = true;
      const seen: string[] = [];
      const listings: number[] = [];
      const probes = (async () => {
        while (updating) {
          seen.push(`open:${await prober.probe(served, open)}`);
          seen.push(`closed:${await prober.probe(served, closed, 150)}`);
        }
      })();
      const lists = (async () => {
        while (updating) {
          const table = (await fw.list()) ?? [];
          listings.push(table.filter((o) => JSON.stringify(o).includes('"drop"')).length);
        }
      })();
      for (let i = 0; i < 50; i++) {
        // Alternate between two rule sets that both keep `open` open and `closed` closed.
        await fw.apply(entries(i % 2 ? [randomPort()] : []));
      }
      await new Promise((r) => setTimeout(r, 300));
      updating = false;
      await Promise.all([probes, lists]);
      expect(seen.length).toBeGreaterThan(4);
      expect(seen.filter((s) => s !== 'open:open' && s !== 'closed:timeout')).toEqual([]);
      expect(listings.length).toBeGreaterThan(4);
      // Each listing shows the drop rule in both chains: never an empty or half-built table.
      expect(listings.filter((n) => n !== 2)).toEqual([]);
    });
  },
);
