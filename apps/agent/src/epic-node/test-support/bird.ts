// A BIRD 2 router in a namespace that accepts BGP from EPIC nodes and installs what it learns, merged into
// ECMP routes, into its namespace's kernel table.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, type Lab } from './netns.js';

export interface BirdNeighbor {
  name: string;
  localAddress: string;
  address: string;
  asn: number;
}

export class Bird {
  readonly socket: string;

  private constructor(
    private readonly lab: Lab,
    readonly ns: string,
    dir: string,
  ) {
    this.socket = join(dir, 'bird.ctl');
  }

  static async start(
    lab: Lab,
    ns: string,
    opts: { routerId: string; asn: number; port: number; neighbors: BirdNeighbor[] },
  ): Promise<Bird> {
    const conf = join(lab.dir, 'bird.conf');
    const bgp = opts.neighbors
      .map(
        (n) => `protocol bgp ${n.name} {
  local ${n.localAddress} port ${opts.port} as ${opts.asn};
  neighbor ${n.address} as ${n.asn};
  passive on;
  ipv4 { import all; export none; };
}`,
      )
      .join('\n');
    writeFileSync(
      conf,
      `router id ${opts.routerId};
timeformat route iso long ms;
timeformat protocol iso long ms;
protocol device { scan time 1; }
protocol kernel { ipv4 { import none; export all; }; merge paths on; }
${bgp}
`,
    );
    const b = new Bird(lab, ns, lab.dir);
    lab.spawn(ns, 'bird', ['-f', '-c', conf, '-s', b.socket, '-P', join(lab.dir, 'bird.pid')]);
    await waitFor('bird to answer', () => b.cli('show status').includes('Daemon is up'));
    return b;
  }

  /** birdc's answer; birdc exits non-zero on answers such as `Network not found`, which are answers too. */
  cli(cmd: string): string {
    const r = spawnSync('birdc', ['-s', this.socket, ...cmd.split(' ')], { encoding: 'utf8' });
    if (r.error) throw r.error;
    if (r.stdout.includes('Unable to connect')) throw new Error(r.stdout);
    return r.stdout;
  }

  /** `show route all <prefix>` or undefined when bird has no route for it. */
  route(prefix: string): string | undefined {
    const out = this.cli(`show route all ${prefix}`);
    return out.includes(prefix) ? out : undefined;
  }

  /** Next hops (`via`) of bird's routes to `prefix`, sorted. */
  nextHops(prefix: string): string[] {
    const out = this.cli(`show route ${prefix}`);
    return [...out.matchAll(/via (\S+)/g)].map((m) => m[1]!).sort();
  }

  /** The router's kernel route for `prefix` (empty when none). */
  kernelRoute(prefix: string): string {
    return this.lab.sh(this.ns, 'ip', 'route', 'show', prefix).trim();
  }

  /** Updates and withdraws bird received from one neighbor (every flap adds to them). */
  importCounters(protocol: string): { updates: number; withdraws: number } {
    const out = this.cli(`show protocols all ${protocol}`);
    const row = (name: string) => {
      const m = new RegExp(`${name}:\\s+(\\d+)`).exec(out.slice(out.indexOf('Route change stats')));
      return m ? Number(m[1]) : NaN;
    };
    return { updates: row('Import updates'), withdraws: row('Import withdraws') };
  }

  established(protocol: string): boolean {
    return this.cli(`show protocols ${protocol}`).includes('Established');
  }
}
