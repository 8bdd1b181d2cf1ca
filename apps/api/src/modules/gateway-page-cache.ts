/**
 * Gateway pages kept with the account's GatewayListVersion they were read at (migration
 * 20261203093000_gateway_list_version): deferred triggers move the version forward with every committed
 * change to what a page shows, so a page read in the same statement as version v is still current while a
 * primary-key read of the version answers v. A list request then costs one indexed read of one row instead
 * of the page query (~2–4 ms of PostgreSQL for 100 gateways) and, for REST, nothing else: the kept text is
 * sent as it is. Bounded by entries and by bytes; the least recently used page goes first.
 */
export class GatewayPageCache<T> {
  private readonly pages = new Map<string, { version: string; value: T; bytes: number }>();
  private bytes = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
    private readonly sizeOf: (value: T) => number,
  ) {}

  /** The page kept for `key` if it was read at `version`. */
  get(key: string, version: string): T | undefined {
    const e = this.pages.get(key);
    if (!e) return undefined;
    if (e.version !== version) {
      this.delete(key);
      return undefined;
    }
    // Most recently used last (a Map keeps insertion order).
    this.pages.delete(key);
    this.pages.set(key, e);
    return e.value;
  }

  /** Whether a page is kept for `key` (at any version): only then is the version worth reading. */
  has(key: string): boolean {
    return this.pages.has(key);
  }

  set(key: string, version: string, value: T): void {
    if (this.maxEntries <= 0) return;
    this.delete(key);
    const bytes = this.sizeOf(value);
    if (bytes > this.maxBytes) return;
    this.pages.set(key, { version, value, bytes });
    this.bytes += bytes;
    for (const [k] of this.pages) {
      if (this.pages.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.delete(k);
    }
  }

  get size(): number {
    return this.pages.size;
  }

  private delete(key: string): void {
    const e = this.pages.get(key);
    if (!e) return;
    this.pages.delete(key);
    this.bytes -= e.bytes;
  }
}
