import type { Runner } from './run.js';

/** One entry as `bpftool -j map dump` prints it (raw bytes; the `formatted` part is ignored). */
interface DumpEntry {
  key: string[];
  value?: string[];
  values?: Array<{ cpu: number; value: string[] }>;
}

const toArgs = (b: Uint8Array): string[] => ['hex', ...Array.from(b, (x) => x.toString(16).padStart(2, '0'))];
const fromJson = (h: readonly string[]): Uint8Array => Uint8Array.from(h, (x) => parseInt(x, 16));
const keyOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export interface MapEntry {
  key: Uint8Array;
  value: Uint8Array;
}

/** A pinned BPF map programmed through `bpftool -j`, with keys and values as raw bytes (layouts: @epic/gue-wire). */
export class PinnedMap {
  constructor(
    private readonly run: Runner,
    readonly path: string,
  ) {}

  async dump(): Promise<MapEntry[]> {
    const out = JSON.parse(
      await this.run('bpftool', ['-j', 'map', 'dump', 'pinned', this.path]),
    ) as DumpEntry[];
    return out.map((e) => ({ key: fromJson(e.key), value: fromJson(e.value ?? []) }));
  }

  /** Per-CPU map: every CPU's value of every key. */
  async dumpPerCpu(): Promise<Array<{ key: Uint8Array; values: Uint8Array[] }>> {
    const out = JSON.parse(
      await this.run('bpftool', ['-j', 'map', 'dump', 'pinned', this.path]),
    ) as DumpEntry[];
    return out.map((e) => ({ key: fromJson(e.key), values: (e.values ?? []).map((v) => fromJson(v.value)) }));
  }

  /** The value under `key`, or undefined when there is none (bpftool exits non-zero for a missing key). */
  async lookup(key: Uint8Array): Promise<Uint8Array | undefined> {
    let out: string;
    try {
      out = await this.run('bpftool', ['-j', 'map', 'lookup', 'pinned', this.path, 'key', ...toArgs(key)]);
    } catch {
      return undefined;
    }
    const e = JSON.parse(out) as DumpEntry | null;
    return e?.value ? fromJson(e.value) : undefined;
  }

  async update(key: Uint8Array, value: Uint8Array): Promise<void> {
    await this.run('bpftool', [
      'map',
      'update',
      'pinned',
      this.path,
      'key',
      ...toArgs(key),
      'value',
      ...toArgs(value),
    ]);
  }

  async delete(key: Uint8Array): Promise<void> {
    await this.run('bpftool', ['map', 'delete', 'pinned', this.path, 'key', ...toArgs(key)]);
  }

  /**
   * Makes the map hold exactly `desired` (by key bytes), writing only differences.
   * Returns how many entries were added, changed and removed.
   */
  async reconcile(
    desired: readonly MapEntry[],
  ): Promise<{ added: number; changed: number; removed: number }> {
    const current = new Map((await this.dump()).map((e) => [keyOf(e.key), e.value]));
    const want = new Map(desired.map((e) => [keyOf(e.key), e]));
    let added = 0;
    let changed = 0;
    let removed = 0;
    for (const [k, e] of want) {
      const have = current.get(k);
      if (!have) added++;
      else if (keyOf(have) !== keyOf(e.value)) changed++;
      else continue;
      await this.update(e.key, e.value);
    }
    for (const [k] of current) {
      if (want.has(k)) continue;
      await this.delete(Uint8Array.from(Buffer.from(k, 'hex')));
      removed++;
    }
    return { added, changed, removed };
  }
}

export { keyOf as bytesKey };
