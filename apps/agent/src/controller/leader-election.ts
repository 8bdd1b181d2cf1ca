import { isConflict, isNotFound, type KubeClient } from './kube-client.js';

export interface LeaderElectionOptions {
  namespace: string;
  /** The Lease's name. Default `epic-gateway-controller`. */
  name?: string;
  /** This replica (the pod name). */
  identity: string;
  /** How long a Lease not renewed stays another's. Default 15 s (client-go's default). */
  leaseDurationMs?: number;
  /** How often the holder renews and a candidate tries. Default 2 s. */
  retryMs?: number;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}
interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/** MicroTime, as kube-apiserver writes it (RFC 3339 with microseconds). */
const microTime = (d = new Date()) => d.toISOString().replace(/Z$/, '000Z');

/**
 * Leader election with a coordination.k8s.io Lease, as client-go's leaderelection does it: a candidate takes
 * the Lease once its holder has not renewed it for `leaseDurationMs` (measured on this replica's clock, from
 * when it last saw the Lease change, so clock skew between replicas does not matter); the holder renews every
 * `retryMs` and gives leadership up when it could not renew within two thirds of the duration. Every write is
 * conditional on the resourceVersion read, so two candidates never both win. `release` empties the holder,
 * so a successor need not wait for the Lease to expire.
 */
export class LeaderElector {
  private readonly name: string;
  private readonly durationMs: number;
  private readonly retryMs: number;
  private observed: { record: string; at: number } | undefined;
  private lastRenew = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  leader = false;

  constructor(
    private readonly kube: KubeClient,
    private readonly opts: LeaderElectionOptions,
    private readonly onLost: () => void,
  ) {
    this.name = opts.name ?? 'epic-gateway-controller';
    this.durationMs = opts.leaseDurationMs ?? 15_000;
    this.retryMs = opts.retryMs ?? 2_000;
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.opts.namespace}/leases/${this.name}`;
  }

  /** Resolves true once this replica holds the Lease (false if stopped first); then keeps renewing it. */
  async acquire(): Promise<boolean> {
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew().catch(() => false)) {
        this.leader = true;
        this.lastRenew = Date.now();
        this.timer = setInterval(() => void this.renew(), this.retryMs);
        return true;
      }
      await new Promise((r) => setTimeout(r, this.retryMs * (0.5 + Math.random() / 2)));
    }
    return false;
  }

  private async renew(): Promise<void> {
    if (this.stopped || !this.leader) return;
    const ok = await this.tryAcquireOrRenew().catch(() => false);
    if (ok) this.lastRenew = Date.now();
    else if (Date.now() - this.lastRenew > (this.durationMs * 2) / 3) {
      this.leader = false;
      if (this.timer) clearInterval(this.timer);
      this.onLost();
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const spec = (holder: string, prior?: LeaseSpec): LeaseSpec => ({
      holderIdentity: holder,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.durationMs / 1000)),
      acquireTime: prior?.holderIdentity === holder && prior.acquireTime ? prior.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (prior?.leaseTransitions ?? 0) + (prior && prior.holderIdentity !== holder ? 1 : 0),
    });
    let lease: Lease;
    try {
      lease = (await this.kube.get(this.path)) as Lease;
    } catch (e) {
      if (!isNotFound(e)) throw e;
      try {
        await this.kube.post(this.path.slice(0, this.path.lastIndexOf('/')), {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.name, namespace: this.opts.namespace },
          spec: spec(this.opts.identity),
        });
        return true;
      } catch (e2) {
        if (isConflict(e2)) return false;
        throw e2;
      }
    }
    const current = lease.spec ?? {};
    const record = JSON.stringify([current.holderIdentity, current.renewTime]);
    if (this.observed?.record !== record) this.observed = { record, at: now.getTime() };
    const holder = current.holderIdentity ?? '';
    const mine = holder === this.opts.identity;
    const expired = now.getTime() - this.observed.at > (current.leaseDurationSeconds ?? 0) * 1000;
    if (holder !== '' && !mine && !expired) return false;
    try {
      await this.kube.put(this.path, { ...lease, spec: spec(this.opts.identity, current) });
      return true;
    } catch (e) {
      if (isConflict(e)) return false;
      throw e;
    }
  }

  /** Stops trying and renewing; when holding the Lease and `release`, empties its holder. */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (!this.leader || !release) return;
    this.leader = false;
    try {
      const lease = (await this.kube.get(this.path)) as Lease;
      if (lease.spec?.holderIdentity !== this.opts.identity) return;
      await this.kube.put(this.path, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime() },
      });
    } catch {
      // The successor waits for the Lease to expire instead.
    }
  }
}
