/**
 * One status writer for every object: per object at most one write in flight and one pending, the pending
 * one always the latest (a newer request replaces it). `compute` runs just before the write, against the
 * caches and EPIC's latest answer, so a write never carries stale intent; it returns undefined to skip
 * (nothing changed, or the object is not ours any more — the controllerName check happens there).
 */
export interface StatusWrite {
  /**
   * `basis`: the resourceVersion of the cached object the patch was computed from. The cache learns of a
   * write only when its watch event arrives: a patch computed again from the same version before then, and
   * equal to the one just written, would write the same status twice, so it is skipped.
   */
  compute: () => { path: string; patch: unknown; basis?: string } | undefined;
}

export class StatusWriter {
  private readonly inFlight = new Set<string>();
  private readonly pending = new Map<string, StatusWrite>();
  /** Per object, the last write sent: the version it was computed from and the patch, until the cache catches up. */
  private readonly lastSent = new Map<string, { basis: string; patch: string }>();
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
      const patch = write && JSON.stringify(write.patch);
      const last = this.lastSent.get(key);
      if (!write) {
        // Nothing to write: the cache holds what was written (or the object is gone).
        this.lastSent.delete(key);
        this.skipped++;
      } else if (write.basis !== undefined && last?.basis === write.basis && last.patch === patch) {
        this.skipped++;
      } else {
        this.writes++;
        if (write.basis === undefined) this.lastSent.delete(key);
        else this.lastSent.set(key, { basis: write.basis, patch: patch! });
        await this.send(write.path, write.patch);
      }
    } catch (e) {
      // The write did not land: the same patch from the same version must be sent again next time.
      this.lastSent.delete(key);
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
