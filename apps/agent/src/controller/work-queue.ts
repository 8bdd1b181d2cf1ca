/**
 * A keyed, debounced, level-triggered work queue: adding a key marks it dirty; after `debounceMs` of quiet
 * (at most `maxDelayMs` after the first add) the handler gets every dirty key at once. One batch runs at a
 * time; keys added meanwhile form the next batch, so a burst of events is one reconcile, never a backlog.
 * The handler recomputes from the caches (level-triggered): the keys say what changed, not what to do.
 * A failed batch is retried with exponential backoff and full jitter; its keys are kept.
 */
export interface QueueOptions {
  debounceMs: number;
  maxDelayMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  random?: () => number;
}

export class BatchQueue {
  private dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private firstAdd = 0;
  private running = false;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly handler: (keys: string[]) => Promise<void>,
    private readonly opts: QueueOptions,
    private readonly onError: (e: unknown, attempt: number, delayMs: number) => void = () => {},
  ) {}

  get depth(): number {
    return this.dirty.size;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.dirty.size === 0) this.firstAdd = Date.now();
    this.dirty.add(key);
    if (!this.running && this.failures === 0) this.schedule(this.opts.debounceMs);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    const capped = Math.min(ms, Math.max(0, this.firstAdd + this.opts.maxDelayMs - Date.now()));
    this.timer = setTimeout(() => void this.run(), this.failures > 0 ? ms : capped);
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    if (this.running || this.stopped || this.dirty.size === 0) return;
    this.running = true;
    const keys = [...this.dirty];
    this.dirty.clear();
    try {
      await this.handler(keys);
      this.failures = 0;
    } catch (e) {
      for (const k of keys) this.dirty.add(k);
      this.failures++;
      const cap = Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** (this.failures - 1));
      const delay = Math.round((this.opts.random ?? Math.random)() * cap);
      this.onError(e, this.failures, delay);
      this.running = false;
      if (!this.stopped) this.schedule(delay);
      return;
    }
    this.running = false;
    if (this.dirty.size > 0 && !this.stopped) this.schedule(this.opts.debounceMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
