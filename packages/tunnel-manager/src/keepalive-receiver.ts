import { createSocket, type Socket } from 'node:dgram';
import {
  DEFAULT_KEEPALIVE_INTERVAL_MS,
  GUE_PORT,
  verifyKeepAlive,
  type KeepAliveRejection,
} from '@epic/gue-wire';
import type { TunnelManager } from './tunnel-manager.js';

export interface KeepAliveReceiverOptions {
  manager: TunnelManager;
  /** Per-tunnel keys issued by the control plane. */
  keys: Map<number, Uint8Array>;
  localAddr?: string;
  /** A tunnel with no valid keep-alive for this long is marked down (default: 3 intervals). */
  downAfterMs?: number;
  onLearned?: (tunnelId: number, addr: string, port: number) => void;
  onRejected?: (reason: KeepAliveRejection, from: string) => void;
  onError?: (err: Error) => void;
}

/**
 * EPIC side: receives the control packets the decap program passes up, verifies tag and counter, and only
 * then makes the packet's outer source the tunnel's remote. The last accepted counter is stored with the
 * tunnel in the pinned map, so replays stay rejected across agent restarts.
 */
export class KeepAliveReceiver {
  private socket?: Socket;
  private timer?: NodeJS.Timeout;
  private readonly lastCounter = new Map<number, bigint>();
  private readonly lastSeen = new Map<number, number>();
  /** Keep-alives are handled one at a time: each one's counter check depends on the previous one. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly opts: KeepAliveReceiverOptions) {}

  async start(): Promise<void> {
    const startedAt = Date.now();
    for (const [id, t] of await this.opts.manager.tunnels()) {
      this.lastCounter.set(id, t.kaCounter);
      // An up tunnel gets a full grace period after a restart instead of being marked down at once.
      if (t.up) this.lastSeen.set(id, startedAt);
    }
    const socket = createSocket({ type: 'udp4' });
    socket.on('error', (e) => this.opts.onError?.(e));
    socket.on('message', (msg, rinfo) => {
      this.chain = this.chain
        .then(() => this.handle(msg, rinfo.address, rinfo.port))
        .catch((e: unknown) => {
          this.opts.onError?.(e instanceof Error ? e : new Error(String(e)));
        });
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(GUE_PORT, this.opts.localAddr, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.socket = socket;
    const downAfter = this.opts.downAfterMs ?? 3 * DEFAULT_KEEPALIVE_INTERVAL_MS;
    this.timer = setInterval(
      () => {
        this.chain = this.chain.then(() => this.expire(downAfter)).catch(() => undefined);
      },
      Math.max(100, Math.floor(downAfter / 4)),
    );
  }

  private async handle(msg: Buffer, addr: string, port: number): Promise<void> {
    const check = verifyKeepAlive(new Uint8Array(msg), (id) => {
      const key = this.opts.keys.get(id);
      return key ? { key, lastCounter: this.lastCounter.get(id) ?? 0n } : undefined;
    });
    if (!check.ok) {
      this.opts.onRejected?.(check.reason, `${addr}:${port}`);
      return;
    }
    const { tunnelId, counter } = check.keepAlive;
    this.lastCounter.set(tunnelId, counter);
    this.lastSeen.set(tunnelId, Date.now());
    const cur = await this.opts.manager.learnRemote(tunnelId, addr, port, counter);
    if (cur.remoteAddr !== addr || cur.remotePort !== port || !cur.up)
      this.opts.onLearned?.(tunnelId, addr, port);
  }

  private async expire(downAfterMs: number): Promise<void> {
    const now = Date.now();
    for (const [id, seen] of this.lastSeen) {
      if (now - seen <= downAfterMs) continue;
      this.lastSeen.delete(id);
      await this.opts.manager.markDown(id);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    await this.chain;
  }
}
