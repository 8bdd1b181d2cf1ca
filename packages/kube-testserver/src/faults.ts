// Fault injection for tests of client resilience: failing requests, slow or paused responses, dropped watches.
export interface FailSpec {
  /** HTTP status to return: 500, 503 or 429 (with Retry-After). */
  code: number;
  retryAfterSeconds?: number;
}

export class Faults {
  private failures: FailSpec[] = [];
  private delayMs = 0;
  private paused: (() => void)[] | undefined;
  /** Set by the server: ends every open watch. */
  dropWatchesHook: (abrupt: boolean) => number = () => 0;

  /** The next `n` API requests fail with `code` (429 carries Retry-After). */
  failNext(n: number, code = 500, retryAfterSeconds = 1): void {
    for (let i = 0; i < n; i++) this.failures.push({ code, retryAfterSeconds });
  }

  /** Every response is delayed by `ms` (0 to stop). */
  delay(ms: number): void {
    this.delayMs = ms;
  }

  /** Requests wait until `resume()` (watch streams already open keep flowing). */
  pause(): void {
    this.paused ??= [];
  }

  resume(): void {
    const waiting = this.paused ?? [];
    this.paused = undefined;
    for (const release of waiting) release();
  }

  /** Ends every open watch connection; `abrupt` destroys the sockets instead of ending the streams. Returns the count. */
  dropWatches(opts: { abrupt?: boolean } = {}): number {
    return this.dropWatchesHook(opts.abrupt ?? false);
  }

  reset(): void {
    this.failures = [];
    this.delayMs = 0;
    this.resume();
  }

  /** Called by the server before handling a request. */
  async gate(): Promise<FailSpec | undefined> {
    if (this.paused) await new Promise<void>((resolve) => this.paused?.push(resolve) ?? resolve());
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    return this.failures.shift();
  }
}
