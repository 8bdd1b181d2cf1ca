/**
 * One status writer for every object: per object at most one write in flight and one pending, the pending
 * one always the latest (a newer request replaces it). `compute` runs just before the write, against the
 * caches and EPIC's latest answer, so a write never carries stale intent; it returns undefined to skip
 * (nothing changed, or the object is not ours any more — the controllerName check happens there).
 */
export interface StatusWrite {
  compute: () => { path: string; patch: unknown } | undefined;
}

export class StatusWriter {
  private readonly inFlight = new Set<string>();
  private readonly pending = new Map<string, StatusWrite>();
  /** Writes sent (a test and metrics read it). */
  writes = 0;
  skipped = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly send: (path: string, patch: unknown) => Promise<void>,
    private readonly onError: (key: string, e: unknown) => void,
  ) {}

  request(key: string, w: StatusWrite): void {
    if (this.inFlight.has(key)) {
      this.pending.set(key, w);
      return;
    }
    void this.run(key, w);
  }

  private async run(key: string, w: StatusWrite): Promise<void> {
    this.inFlight.add(key);
    try {
      const write = w.compute();
      if (!write) this.skipped++;
      else {
        this.writes++;
        await this.send(write.path, write.patch);
      }
    } catch (e) {
      this.onError(key, e);
    } finally {
      this.inFlight.delete(key);
      const next = this.pending.get(key);
      if (next) {
        this.pending.delete(key);
        void this.run(key, next);
      } else if (this.inFlight.size === 0) {
        for (const r of this.idleWaiters.splice(0)) r();
      }
    }
  }

  /** Resolves when no write is in flight or pending. */
  idle(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }
}
