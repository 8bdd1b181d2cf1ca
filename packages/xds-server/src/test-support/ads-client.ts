// A bare ADS client for protocol tests: writes requests as given and queues responses for `next()`.
import * as grpc from '@grpc/grpc-js';
import { decodeResource } from '@epic/envoy-proto';
import { adsServiceDefinition } from '../discovery-codec.js';
import type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DiscoveryRequest,
  DiscoveryResponse,
} from '../discovery-codec.js';

type Duplex<Req, Res> = grpc.ClientDuplexStream<Req, Res>;

export class StreamProbe<Req, Res> {
  private readonly responses: Res[] = [];
  private waiters: ((r: Res) => void)[] = [];
  status: grpc.StatusObject | undefined;
  private statusWaiters: ((s: grpc.StatusObject) => void)[] = [];

  constructor(readonly call: Duplex<Req, Res>) {
    call.on('data', (r: Res) => {
      const w = this.waiters.shift();
      if (w) w(r);
      else this.responses.push(r);
    });
    call.on('status', (s: grpc.StatusObject) => {
      this.status = s;
      for (const w of this.statusWaiters.splice(0)) w(s);
    });
    call.on('error', () => undefined);
  }

  send(req: Partial<Req>): void {
    this.call.write(req as Req);
  }

  next(timeoutMs = 3000): Promise<Res> {
    const queued = this.responses.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(new Error(`no response within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (r: Res): void => {
        clearTimeout(timer);
        resolve(r);
      };
      this.waiters.push(done);
    });
  }

  /** Resolves true when nothing arrives within `ms`. */
  async quiet(ms = 200): Promise<boolean> {
    try {
      await this.next(ms);
      return false;
    } catch {
      return true;
    }
  }

  ended(timeoutMs = 3000): Promise<grpc.StatusObject> {
    if (this.status) return Promise.resolve(this.status);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('stream did not end')), timeoutMs);
      this.statusWaiters.push((s) => {
        clearTimeout(timer);
        resolve(s);
      });
    });
  }

  close(): void {
    this.call.cancel();
  }
}

export class AdsTestClient {
  private readonly client: grpc.Client & Record<string, (metadata: grpc.Metadata) => unknown>;

  constructor(port: number, credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure()) {
    const Ctor = grpc.makeGenericClientConstructor(
      adsServiceDefinition() as unknown as grpc.ServiceDefinition,
      'ADS',
    );
    this.client = new Ctor(`127.0.0.1:${port}`, credentials) as AdsTestClient['client'];
  }

  sotw(token?: string): StreamProbe<DiscoveryRequest, DiscoveryResponse> {
    const call = this.client.StreamAggregatedResources!(metadata(token)) as Duplex<
      DiscoveryRequest,
      DiscoveryResponse
    >;
    return new StreamProbe(call);
  }

  delta(token?: string): StreamProbe<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
    const call = this.client.DeltaAggregatedResources!(metadata(token)) as Duplex<
      DeltaDiscoveryRequest,
      DeltaDiscoveryResponse
    >;
    return new StreamProbe(call);
  }

  close(): void {
    this.client.close();
  }
}

function metadata(token?: string): grpc.Metadata {
  const md = new grpc.Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  return md;
}

/** Names of a SotW response's resources (ClusterLoadAssignments are named by cluster_name). */
export function namesOf(response: DiscoveryResponse): string[] {
  return response.resources.map((any) => {
    const body = decodeResource(any.type_url, any.value);
    return String(body.name ?? body.clusterName);
  });
}
