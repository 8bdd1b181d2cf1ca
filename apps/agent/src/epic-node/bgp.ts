// The node's BGP speaker: a local gobgpd driven over its gRPC API (api/gobgp.proto of gobgp 3.x).
// gobgpd holds the truth: on every reconcile the global config, the peers and the locally originated paths are
// listed from it and only the difference is changed, so an agent restart (gobgpd left running) touches nothing
// and no route flaps.
import * as grpc from '@grpc/grpc-js';
import * as loader from '@grpc/proto-loader';
import type { NodeBgpSettings } from './contract.js';

/** Where Debian's golang-github-osrg-gobgp-dev puts gobgp's API definitions. */
export const DEFAULT_GOBGP_PROTO_DIR = '/usr/share/gocode/src/github.com/osrg/gobgp/api';

const TYPE = 'type.googleapis.com/apipb.';
const V4 = { afi: 'AFI_IP', safi: 'SAFI_UNICAST' } as const;
const V6 = { afi: 'AFI_IP6', safi: 'SAFI_UNICAST' } as const;

interface Family {
  afi: string;
  safi: string;
}
type AnyMessage = { '@type': string } & Record<string, unknown>;
interface ApiPath {
  nlri: AnyMessage | null;
  pattrs: AnyMessage[];
  family: Family | null;
  neighbor_ip: string;
  is_from_external: boolean;
}
export interface ApiPeer {
  conf: { neighbor_address: string; peer_asn: number } | null;
  transport: { remote_port: number } | null;
  state: { session_state: string } | null;
}
export interface ApiGlobal {
  asn: number;
  router_id: string;
  listen_port: number;
}
type Unary = (req: unknown, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;
type Stream = (req: unknown) => grpc.ClientReadableStream<unknown>;
type GobgpClient = grpc.Client & Record<string, Unary & Stream>;

export interface BgpPeerStatus {
  address: string;
  asn: number;
  state: string;
}

export interface BgpReconcileResult {
  started: boolean;
  peers: { added: number; removed: number };
  paths: { added: number; removed: number };
}

/**
 * What gobgpd had when read (Gobgp.readState), for reconcile() to start from without reading it again: the
 * speaker's identity, its peers (undefined when they could not be listed) and the prefixes it originates.
 */
export interface GobgpState {
  global: ApiGlobal;
  peers: Array<{ peer: ApiPeer }> | undefined;
  originated: string[];
}

export interface GobgpOptions {
  /** gobgpd's API address as grpc-js dials it: `unix:///run/gobgpd.sock` or `127.0.0.1:50051`. */
  target: string;
  protoDir?: string;
  /** gobgpd's own BGP listen port; -1 (default) = it only dials its peers. */
  listenPort?: number;
  /** Seconds between gobgpd's attempts to dial a peer that is not up (default 5; gobgpd's own is 120). */
  connectRetrySeconds?: number;
  /** How long what this driver knows gobgpd originates is trusted before it is listed again (default 30 s). */
  listAgainMs?: number;
}

/** `203.0.113.10` → `203.0.113.10/32`, `2001:db8::1` → `2001:db8::1/128`; prefixes are kept as given. */
export function hostPrefix(addressOrPrefix: string): string {
  if (addressOrPrefix.includes('/')) return addressOrPrefix;
  return addressOrPrefix.includes(':') ? `${addressOrPrefix}/128` : `${addressOrPrefix}/32`;
}

function splitPrefix(prefix: string): { prefix: string; len: number; v6: boolean } {
  const [addr, len] = hostPrefix(prefix).split('/') as [string, string];
  const v6 = addr.includes(':');
  const n = Number(len);
  if (!Number.isInteger(n) || n < 0 || n > (v6 ? 128 : 32)) throw new Error(`bad prefix: ${prefix}`);
  return { prefix: addr, len: n, v6 };
}

/** The canonical text gobgpd lists a destination under (IPv6 compressed as gobgpd prints it). */
/** The canonical text of a prefix (RFC 5952 for IPv6), as gobgpd's paths are compared; throws on a bad one. */
export function canonical(prefix: string): string {
  const p = splitPrefix(prefix);
  return `${p.v6 ? canonicalV6(p.prefix) : p.prefix}/${p.len}`;
}

function canonicalV6(addr: string): string {
  // Expand, then let the URL parser compress (RFC 5952: lowercase, longest zero run).
  return new URL(`http://[${addr}]/`).hostname.slice(1, -1);
}

function pathFor(prefix: string): ApiPath {
  const p = splitPrefix(prefix);
  const nlri: AnyMessage = { '@type': `${TYPE}IPAddressPrefix`, prefix: p.prefix, prefix_len: p.len };
  const origin: AnyMessage = { '@type': `${TYPE}OriginAttribute`, origin: 0 };
  // An unspecified next hop makes gobgpd put its own session address in (eBGP next-hop-self).
  const nextHop: AnyMessage = p.v6
    ? { '@type': `${TYPE}MpReachNLRIAttribute`, family: V6, next_hops: ['::'], nlris: [nlri] }
    : { '@type': `${TYPE}NextHopAttribute`, next_hop: '0.0.0.0' };
  return {
    nlri,
    pattrs: [origin, nextHop],
    family: p.v6 ? V6 : V4,
    neighbor_ip: '',
    is_from_external: false,
  };
}

export class Gobgp {
  private readonly client: GobgpClient;
  private readonly listenPort: number;
  private readonly connectRetry: number;
  /**
   * What gobgpd originates as this driver knows it: set by each listing, kept up to date by its own AddPath and
   * DeletePath (the agent is gobgpd's only writer), dropped on any failed call and when the speaker is started
   * or stopped. Trusted for `listAgainMs`, then listed again (decoding every path is most of a round's CPU on a
   * node with many gateways). A gobgpd restarted behind the agent answers unstarted: the reconcile starts it and
   * lists.
   */
  private known: { prefixes: Set<string>; at: number } | undefined;
  private readonly listAgainMs: number;

  constructor(opts: GobgpOptions) {
    const def = loader.loadSync(['gobgp.proto', 'attribute.proto', 'capability.proto'], {
      includeDirs: [opts.protoDir ?? DEFAULT_GOBGP_PROTO_DIR],
      keepCase: true,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
      // Any fields become `{ '@type': ..., ...fields }` both ways.
      json: true,
    });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      apipb: { GobgpApi: new (t: string, c: grpc.ChannelCredentials) => GobgpClient };
    };
    this.client = new pkg.apipb.GobgpApi(opts.target, grpc.credentials.createInsecure());
    this.listenPort = opts.listenPort ?? -1;
    this.connectRetry = opts.connectRetrySeconds ?? 5;
    this.listAgainMs = opts.listAgainMs ?? 30_000;
  }

  close(): void {
    this.client.close();
  }

  private unary<T>(method: string, req: unknown, timeoutMs = 5_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const fn = this.client[method] as unknown as (
        r: unknown,
        md: grpc.Metadata,
        o: grpc.CallOptions,
        cb: (e: grpc.ServiceError | null, v: unknown) => void,
      ) => void;
      fn.call(this.client, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (e, v) => {
        if (!e) return resolve(v as T);
        this.known = undefined;
        reject(new Error(`gobgp ${method}: ${e.details || e.message}`));
      });
    });
  }

  private stream<T>(method: string, req: unknown, timeoutMs = 5_000): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const fn = this.client[method] as unknown as (
        r: unknown,
        md: grpc.Metadata,
        o: grpc.CallOptions,
      ) => grpc.ClientReadableStream<T>;
      const out: T[] = [];
      const s = fn.call(this.client, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs });
      s.on('data', (d: T) => out.push(d));
      s.on('error', (e: grpc.ServiceError) => {
        this.known = undefined;
        reject(new Error(`gobgp ${method}: ${e.details || e.message}`));
      });
      s.on('end', () => resolve(out));
    });
  }

  async global(): Promise<ApiGlobal> {
    return (await this.unary<{ global: ApiGlobal }>('GetBgp', {})).global;
  }

  async peers(): Promise<BgpPeerStatus[]> {
    const rows = await this.stream<{ peer: ApiPeer }>('ListPeer', {});
    return rows.map(({ peer }) => ({
      address: peer.conf?.neighbor_address ?? '',
      asn: peer.conf?.peer_asn ?? 0,
      state: peer.state?.session_state ?? 'UNKNOWN',
    }));
  }

  /** Prefixes this gobgpd originates: as known (see `known`) while recent, else listed. */
  async originated(): Promise<string[]> {
    const k = this.known;
    if (k && Date.now() - k.at < this.listAgainMs) return [...k.prefixes].sort();
    return this.localPrefixes();
  }

  /** Prefixes this gobgpd originates (not those learned from peers), canonical text, sorted: always listed. */
  async localPrefixes(): Promise<string[]> {
    this.known = undefined;
    const at = Date.now();
    const out: string[] = [];
    // Both families at once: one round trip's wait, not two.
    const tables = await Promise.all(
      [V4, V6].map((family) =>
        this.stream<{ destination: { prefix: string; paths: ApiPath[] } }>('ListPath', {
          table_type: 'GLOBAL',
          family,
        }),
      ),
    );
    for (const rows of tables) {
      for (const { destination } of rows) {
        if (destination.paths.some((p) => !p.is_from_external && isLocal(p.neighbor_ip))) {
          out.push(canonical(destination.prefix));
        }
      }
    }
    this.known = { prefixes: new Set(out), at };
    return out.sort();
  }

  /** The speaker, its peers and its originated prefixes, in one wait. */
  async readState(): Promise<GobgpState> {
    const [global, peers, originated] = await Promise.all([
      this.global(),
      this.stream<{ peer: ApiPeer }>('ListPeer', {}).catch(() => undefined),
      this.originated(),
    ]);
    return { global, peers, originated };
  }

  /**
   * Makes gobgpd match `settings` (or stops announcing anything when null) and originate exactly `prefixes`.
   * Only differences are applied. `seen`: what readState() (or localPrefixes(): `originated` alone) answered
   * earlier in the same round (the agent is gobgpd's only writer), so it is not read again unless the speaker is
   * (re)started here.
   */
  async reconcile(
    settings: NodeBgpSettings | null,
    prefixes: readonly string[],
    seen?: Partial<GobgpState>,
  ): Promise<BgpReconcileResult> {
    const result: BgpReconcileResult = {
      started: false,
      peers: { added: 0, removed: 0 },
      paths: { added: 0, removed: 0 },
    };
    const listPeers = () => this.stream<{ peer: ApiPeer }>('ListPeer', {});
    // The speaker and its peers in one wait, unless read already (listed again if the speaker restarts below).
    const [g0, peersNow] = seen?.global
      ? [seen.global, seen.peers]
      : await Promise.all([this.global(), listPeers().catch(() => undefined)]);
    const originated = seen?.originated;
    let g = g0;
    if (!settings) {
      if (g.asn !== 0) {
        for (const p of await this.localPrefixes()) await this.deletePath(p);
      }
      return result;
    }
    if (g.asn !== 0 && (g.asn !== settings.asn || g.router_id !== settings.routerId)) {
      // A changed identity cannot be edited in place: restart the speaker (this resets every session).
      this.known = undefined;
      await this.unary('StopBgp', {});
      g = await this.global();
    }
    if (g.asn === 0) {
      this.known = undefined;
      await this.unary('StartBgp', {
        global: { asn: settings.asn, router_id: settings.routerId, listen_port: this.listenPort },
      });
      result.started = true;
    }

    const want = new Map(settings.peers.map((p) => [p.address, p]));
    const rows = g0.asn !== 0 && !result.started && peersNow ? peersNow : await listPeers();
    const have = new Map(rows.map(({ peer }) => [peer.conf?.neighbor_address ?? '', peer]));
    for (const [address, peer] of have) {
      const w = want.get(address);
      const port = peer.transport?.remote_port || 179;
      if (w && w.asn === peer.conf?.peer_asn && (w.port ?? 179) === port) continue;
      await this.unary('DeletePeer', { address });
      have.delete(address);
      result.peers.removed++;
    }
    for (const [address, p] of want) {
      if (have.has(address)) continue;
      await this.unary('AddPeer', {
        peer: {
          conf: { neighbor_address: address, peer_asn: p.asn },
          transport: { remote_port: p.port ?? 179, passive_mode: false },
          afi_safis: [V4, V6].map((family) => ({ config: { family, enabled: true } })),
          timers: { config: { connect_retry: this.connectRetry } },
        },
      });
      result.peers.added++;
    }

    const wantPrefixes = new Set(prefixes.map(canonical));
    const havePrefixes = new Set(
      originated && !result.started ? originated.map(canonical) : await this.localPrefixes(),
    );
    for (const p of havePrefixes) {
      if (wantPrefixes.has(p)) continue;
      await this.deletePath(p);
      result.paths.removed++;
    }
    for (const p of wantPrefixes) {
      if (havePrefixes.has(p)) continue;
      await this.addPath(p);
      result.paths.added++;
    }
    return result;
  }

  /** Originates one prefix: a single AddPath call (what reconcile() does per missing prefix). */
  async addPath(prefix: string): Promise<void> {
    await this.unary('AddPath', { table_type: 'GLOBAL', path: pathFor(canonical(prefix)) });
    this.known?.prefixes.add(canonical(prefix));
  }

  private async deletePath(prefix: string): Promise<void> {
    const path = pathFor(prefix);
    await this.unary('DeletePath', { table_type: 'GLOBAL', family: path.family, path });
    this.known?.prefixes.delete(canonical(prefix));
  }
}

function isLocal(neighborIp: string): boolean {
  return neighborIp === '' || neighborIp === '<nil>';
}
