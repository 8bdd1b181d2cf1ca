// The node's firewall: one nftables table owned by EPIC (`inet epic`). Each apply replaces the whole table in
// one `nft -j -f` transaction (add, delete, re-create), so there is never a moment without the rules and no
// other table is read or touched.
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ListenerPort } from './contract.js';
import { execIn, type Exec } from './exec.js';

export const EPIC_TABLE = 'epic';
const FAMILY = 'inet';
/** Before the usual filter chains (priority 0), so another table's accept cannot open an EPIC address. */
const PRIORITY = -10;

/** A gateway address served on this node and the listener ports open on it. */
export interface FirewallEntry {
  address: string;
  ports: ListenerPort[];
}

type NftCommand = Record<string, unknown>;

/** ICMP errors towards a gateway address stay allowed: path MTU discovery and unreachables need them. */
const ICMP4_ERRORS = ['destination-unreachable', 'time-exceeded', 'parameter-problem'];
const ICMP6_ERRORS = ['destination-unreachable', 'packet-too-big', 'time-exceeded', 'parameter-problem'];

function daddr(address: string): Record<string, unknown> {
  const proto = isIP(address) === 6 ? 'ip6' : 'ip';
  return { match: { op: '==', left: { payload: { protocol: proto, field: 'daddr' } }, right: address } };
}

function rule(chain: string, expr: unknown[]): NftCommand {
  return { add: { rule: { family: FAMILY, table: EPIC_TABLE, chain, expr } } };
}

/** The rules of one chain: per address, accept its listener ports (and ICMP errors), drop the rest. */
function chainRules(chain: string, entries: readonly FirewallEntry[]): NftCommand[] {
  const out: NftCommand[] = [];
  for (const e of [...entries].sort((a, b) => a.address.localeCompare(b.address))) {
    if (!isIP(e.address)) throw new Error(`firewall: not an IP address: ${e.address}`);
    const v6 = isIP(e.address) === 6;
    for (const proto of ['TCP', 'UDP'] as const) {
      const ports = [...new Set(e.ports.filter((p) => p.protocol === proto).map((p) => p.port))].sort(
        (a, b) => a - b,
      );
      if (ports.length === 0) continue;
      const l4 = proto === 'TCP' ? 'tcp' : 'udp';
      out.push(
        rule(chain, [
          daddr(e.address),
          {
            match: {
              op: '==',
              left: { payload: { protocol: l4, field: 'dport' } },
              right: ports.length === 1 ? ports[0] : { set: ports },
            },
          },
          { accept: null },
        ]),
      );
    }
    out.push(
      rule(chain, [
        daddr(e.address),
        {
          match: {
            op: '==',
            left: { payload: { protocol: v6 ? 'icmpv6' : 'icmp', field: 'type' } },
            right: { set: v6 ? ICMP6_ERRORS : ICMP4_ERRORS },
          },
        },
        { accept: null },
      ]),
    );
    out.push(rule(chain, [daddr(e.address), { counter: null }, { drop: null }]));
  }
  return out;
}

/** The whole transaction that makes the table exactly `entries` (pure; the same input gives the same batch). */
export function firewallBatch(entries: readonly FirewallEntry[]): { nftables: NftCommand[] } {
  const table = { family: FAMILY, name: EPIC_TABLE };
  const cmds: NftCommand[] = [
    // `add` first so that `delete` never fails on a fresh node; both happen in the same transaction.
    { add: { table } },
    { delete: { table } },
    { add: { table } },
  ];
  // Traffic to a gateway address ends either on the node (input) or is routed to an Envoy pod (forward).
  for (const [chain, hook] of [
    ['input', 'input'],
    ['forward', 'forward'],
  ] as const) {
    cmds.push({
      add: {
        chain: {
          family: FAMILY,
          table: EPIC_TABLE,
          name: chain,
          type: 'filter',
          hook,
          prio: PRIORITY,
          policy: 'accept',
        },
      },
    });
    cmds.push(...chainRules(chain, entries));
  }
  return { nftables: cmds };
}

export class Firewall {
  private readonly exec: Exec;
  constructor(opts: { netns?: string; exec?: Exec } = {}) {
    this.exec = opts.exec ?? execIn(opts.netns);
  }

  /** Replaces the EPIC table atomically. */
  async apply(entries: readonly FirewallEntry[]): Promise<void> {
    await this.batch(firewallBatch(entries));
  }

  /** Removes the EPIC table (uninstall); a missing table is fine. */
  async remove(): Promise<void> {
    const table = { family: FAMILY, name: EPIC_TABLE };
    await this.batch({ nftables: [{ add: { table } }, { delete: { table } }] });
  }

  /**
   * One nft transaction. nft reads `-f -` through /dev/stdin, which Node's socket-backed stdio cannot
   * provide, so the batch goes through a private file instead.
   */
  private async batch(batch: { nftables: NftCommand[] }): Promise<void> {
    const file = join(tmpdir(), `epic-nft-${process.pid}-${randomBytes(6).toString('hex')}.json`);
    await writeFile(file, JSON.stringify(batch), { mode: 0o600 });
    try {
      await this.exec('nft', ['-j', '-f', file]);
    } finally {
      await rm(file, { force: true });
    }
  }

  /** The table as nft lists it (JSON), or null when it does not exist. */
  async list(): Promise<unknown[] | null> {
    try {
      const out = await this.exec('nft', ['-j', 'list', 'table', FAMILY, EPIC_TABLE]);
      return (JSON.parse(out) as { nftables: unknown[] }).nftables;
    } catch (e) {
      if (e instanceof Error && /No such file|does not exist/i.test(e.message)) return null;
      throw e;
    }
  }
}
