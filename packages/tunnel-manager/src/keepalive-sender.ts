import { createSocket, type Socket } from 'node:dgram';
import {
  DEFAULT_KEEPALIVE_INTERVAL_MS,
  GUE_PORT,
  encodeKeepAlive,
  nextKeepAliveCounter,
} from '@epic/gue-wire';

export interface SenderTunnel {
  id: number;
  key: Uint8Array;
  epicAddr: string;
  epicPort?: number;
}

export interface KeepAliveSenderOptions {
  /** Bind address; the port is always the GUE port, so data and keep-alives share one NAT mapping. */
  localAddr?: string;
  intervalMs?: number;
  tunnels: SenderTunnel[];
  onError?: (err: Error) => void;
}

/**
 * Workload side: sends an authenticated keep-alive per tunnel every interval from UDP port 6080.
 * Counters start from the wall clock in microseconds, so they keep growing across agent restarts.
 */
export class KeepAliveSender {
  private socket?: Socket;
  private timer?: NodeJS.Timeout;
  private counter = 0n;
  private tunnels: SenderTunnel[];

  constructor(private readonly opts: KeepAliveSenderOptions) {
    this.tunnels = opts.tunnels;
  }

  async start(): Promise<void> {
    const socket = createSocket({ type: 'udp4', reuseAddr: false });
    socket.on('error', (e) => this.opts.onError?.(e));
    // Incoming GUE data never reaches this socket (TC decapsulates it first); anything else is ignored.
    socket.on('message', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(GUE_PORT, this.opts.localAddr, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.socket = socket;
    this.sendAll();
    this.timer = setInterval(() => this.sendAll(), this.opts.intervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS);
  }

  setTunnels(tunnels: SenderTunnel[]): void {
    this.tunnels = tunnels;
  }

  /** Sends one round now (also used by tests to avoid waiting for the timer). */
  sendAll(): void {
    const socket = this.socket;
    if (!socket) return;
    for (const t of this.tunnels) {
      this.counter = nextKeepAliveCounter(this.counter, BigInt(Date.now()) * 1000n);
      const payload = encodeKeepAlive({ tunnelId: t.id, counter: this.counter }, t.key);
      socket.send(payload, t.epicPort ?? GUE_PORT, t.epicAddr, (err) => {
        if (err) this.opts.onError?.(err);
      });
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
