import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tunnelMtu } from '@epic/gue-wire';
import { LineProcess } from './proc.js';
import { repoRoot } from './bpf-env.js';

/*
 *   proxy ──veth── epic-node ──veth── nat (nftables masquerade) ──veth── workload-node ──veth── pod
 *  10.200.0.2/.3/.4   198.51.100.1      198.51.100.2 (+ .10/.11 SNAT)  172.16.0.2          10.244.1.5
 *                                           172.16.0.1
 * The EPIC node routes pod addresses towards the NAT box with the tunnel MTU; the workload node only has a
 * default route via the NAT. Plain routing (no tunnel) also works across it for the benchmark baseline.
 */
export const ADDR = {
  proxy: '10.200.0.2',
  proxyPlain: '10.200.0.3',
  proxyVxlan: '10.200.0.4',
  proxyGw: '10.200.0.1',
  epic: '198.51.100.1',
  natRouter: '198.51.100.2',
  natPublicA: '198.51.100.10',
  natPublicB: '198.51.100.11',
  attacker: '198.51.100.66',
  natPrivate: '172.16.0.1',
  workload: '172.16.0.2',
  pod: '10.244.1.5',
  podVxlan: '10.245.1.5',
  podGw: '10.244.1.1',
} as const;

/** IPv6 inner addresses (the tunnel's outer header stays IPv4). */
export const ADDR6 = {
  proxy: 'fd00:200::2',
  proxyGw: 'fd00:200::1',
  epic: 'fd00:198::1',
  natPublic: 'fd00:198::2',
  natPrivate: 'fd00:172::1',
  workload: 'fd00:172::2',
  podGw: 'fd00:244::1',
  pod: 'fd00:244::5',
} as const;

const TSX = ['node', '--import', 'tsx'];

export class Topology {
  readonly ns: { epic: string; proxy: string; nat: string; workload: string; pod: string };
  readonly dir: string;
  private readonly procs: LineProcess[] = [];

  constructor(readonly suffix: string) {
    this.ns = {
      epic: `gue-epic-${suffix}`,
      proxy: `gue-proxy-${suffix}`,
      nat: `gue-nat-${suffix}`,
      workload: `gue-wl-${suffix}`,
      pod: `gue-pod-${suffix}`,
    };
    this.dir = `/tmp/gue-it-${suffix}`;
  }

  sh(ns: string, cmd: string, ...args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  private ip(...args: string[]): void {
    execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  setNat(publicAddr: string): void {
    const rules = `flush ruleset
table ip nat {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "pub" ip saddr 172.16.0.0/24 snat to ${publicAddr} random
  }
}
`;
    const file = join(this.dir, 'nat.nft');
    writeFileSync(file, rules);
    this.sh(this.ns.nat, 'nft', '-f', file);
  }

  /** Forgets every NAT mapping, as a NAT box does when it reboots or its public address changes. */
  flushNatMappings(): void {
    this.sh(this.ns.nat, 'conntrack', '-F');
  }

  create(): void {
    mkdirSync(this.dir, { recursive: true });
    const { epic, proxy, nat, workload, pod } = this.ns;
    for (const n of Object.values(this.ns)) {
      this.ip('netns', 'add', n);
      this.sh(n, 'ip', 'link', 'set', 'lo', 'up');
    }
    this.ip(
      'link',
      'add',
      'name',
      'eth0',
      'netns',
      proxy,
      'type',
      'veth',
      'peer',
      'name',
      'vproxy',
      'netns',
      epic,
    );
    this.ip(
      'link',
      'add',
      'name',
      'eth0',
      'netns',
      epic,
      'type',
      'veth',
      'peer',
      'name',
      'pub',
      'netns',
      nat,
    );
    this.ip(
      'link',
      'add',
      'name',
      'priv',
      'netns',
      nat,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      workload,
    );
    this.ip(
      'link',
      'add',
      'name',
      'vpod',
      'netns',
      workload,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      pod,
    );
    const cfg = (n: string, ...lines: string[][]): void => {
      for (const l of lines) this.sh(n, l[0] as string, ...l.slice(1));
    };
    cfg(
      proxy,
      ['ip', 'addr', 'add', `${ADDR.proxy}/24`, 'dev', 'eth0'],
      ['ip', 'addr', 'add', `${ADDR.proxyPlain}/24`, 'dev', 'eth0'],
      ['ip', 'addr', 'add', `${ADDR.proxyVxlan}/24`, 'dev', 'eth0'],
      ['ip', 'link', 'set', 'eth0', 'up'],
      ['ip', 'route', 'add', 'default', 'via', ADDR.proxyGw],
    );
    cfg(
      epic,
      ['sysctl', '-qw', 'net.ipv4.ip_forward=1'],
      ['ip', 'addr', 'add', `${ADDR.proxyGw}/24`, 'dev', 'vproxy'],
      ['ip', 'link', 'set', 'vproxy', 'up'],
      ['ip', 'addr', 'add', `${ADDR.epic}/24`, 'dev', 'eth0'],
      ['ip', 'link', 'set', 'eth0', 'up'],
      // Pods are reached through the tunnel: the route MTU leaves room for the 36 bytes of outer headers.
      [
        'ip',
        'route',
        'add',
        '10.244.0.0/16',
        'via',
        ADDR.natRouter,
        'dev',
        'eth0',
        'mtu',
        String(tunnelMtu(1500)),
      ],
      ['ip', 'route', 'add', '172.16.0.0/24', 'via', ADDR.natRouter, 'dev', 'eth0'],
    );
    cfg(
      nat,
      ['sysctl', '-qw', 'net.ipv4.ip_forward=1'],
      ['ip', 'addr', 'add', `${ADDR.natRouter}/24`, 'dev', 'pub'],
      ['ip', 'addr', 'add', `${ADDR.natPublicA}/24`, 'dev', 'pub'],
      ['ip', 'addr', 'add', `${ADDR.natPublicB}/24`, 'dev', 'pub'],
      ['ip', 'addr', 'add', `${ADDR.attacker}/24`, 'dev', 'pub'],
      ['ip', 'link', 'set', 'pub', 'up'],
      ['ip', 'addr', 'add', `${ADDR.natPrivate}/24`, 'dev', 'priv'],
      ['ip', 'link', 'set', 'priv', 'up'],
      // Plain-routing baseline of the benchmark only: the tunnel never needs these.
      ['ip', 'route', 'add', '10.244.0.0/16', 'via', ADDR.workload],
      ['ip', 'route', 'add', '10.200.0.0/16', 'via', ADDR.epic],
    );
    cfg(
      workload,
      ['sysctl', '-qw', 'net.ipv4.ip_forward=1'],
      ['ip', 'addr', 'add', `${ADDR.workload}/24`, 'dev', 'eth0'],
      ['ip', 'link', 'set', 'eth0', 'up'],
      ['ip', 'route', 'add', 'default', 'via', ADDR.natPrivate],
      ['ip', 'addr', 'add', `${ADDR.podGw}/24`, 'dev', 'vpod'],
      ['ip', 'link', 'set', 'vpod', 'up'],
    );
    cfg(
      pod,
      ['ip', 'addr', 'add', `${ADDR.pod}/24`, 'dev', 'eth0'],
      // An unmodified workload cluster: the pod keeps a 1500-byte MTU; MSS clamping in decap makes TCP fit.
      ['ip', 'link', 'set', 'eth0', 'up'],
      ['ip', 'route', 'add', 'default', 'via', ADDR.podGw],
    );
    const v6 = (n: string, addr: string, dev: string): void => {
      this.sh(n, 'ip', '-6', 'addr', 'add', `${addr}/64`, 'dev', dev, 'nodad');
    };
    v6(proxy, ADDR6.proxy, 'eth0');
    this.sh(proxy, 'ip', '-6', 'route', 'add', 'default', 'via', ADDR6.proxyGw);
    this.sh(epic, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1');
    v6(epic, ADDR6.proxyGw, 'vproxy');
    v6(epic, ADDR6.epic, 'eth0');
    this.sh(
      epic,
      'ip',
      '-6',
      'route',
      'add',
      'fd00:244::/64',
      'via',
      ADDR6.natPublic,
      'dev',
      'eth0',
      'mtu',
      String(tunnelMtu(1500)),
    );
    // The NAT box only answers neighbour discovery for these next hops: IPv6 inner packets travel in IPv4.
    v6(nat, ADDR6.natPublic, 'pub');
    v6(nat, ADDR6.natPrivate, 'priv');
    this.sh(workload, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1');
    v6(workload, ADDR6.workload, 'eth0');
    this.sh(workload, 'ip', '-6', 'route', 'add', 'default', 'via', ADDR6.natPrivate);
    v6(workload, ADDR6.podGw, 'vpod');
    v6(pod, ADDR6.pod, 'eth0');
    this.sh(pod, 'ip', '-6', 'route', 'add', 'default', 'via', ADDR6.podGw);
    this.setNat(ADDR.natPublicA);
  }

  ifindex(ns: string, dev: string): number {
    const [link] = JSON.parse(this.sh(ns, 'ip', '-j', 'link', 'show', dev)) as Array<{ ifindex: number }>;
    return link?.ifindex ?? 0;
  }

  spawn(ns: string, argv: string[]): LineProcess {
    const p = new LineProcess(['ip', 'netns', 'exec', ns, ...argv], repoRoot);
    this.procs.push(p);
    return p;
  }

  /** A TypeScript entry point of test-support (run with tsx) inside `ns`. */
  spawnTs(ns: string, script: string, args: string[]): LineProcess {
    return this.spawn(ns, [
      ...TSX,
      join(repoRoot, 'packages/tunnel-manager/src/test-support', script),
      ...args,
    ]);
  }

  /** Kills every process, then removes every namespace and the scratch directory. Never throws. */
  async destroy(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop('SIGKILL').catch(() => undefined)));
    for (const n of Object.values(this.ns)) {
      try {
        this.ip('netns', 'del', n);
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
