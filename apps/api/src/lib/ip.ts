/**
 * IPv4/IPv6 arithmetic on bigint: parsing, canonical text, CIDR and range pools.
 * Canonical IPv6 text follows RFC 5952 (lower case, longest zero run compressed).
 */
export type Family = 'ipv4' | 'ipv6';

export interface ParsedAddress {
  family: Family;
  value: bigint;
}

const V4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function parseAddress(text: string): ParsedAddress | undefined {
  if (V4_RE.test(text)) {
    const v = text.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
    return { family: 'ipv4', value: v };
  }
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return undefined;
  let head = text;
  let tail4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  const maybeV4 = text.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    const p = parseAddress(maybeV4);
    if (!p || p.family !== 'ipv4') return undefined;
    tail4 = p.value;
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const parts = head.split('::');
  if (parts.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(parts[0] ?? '');
  const right = parts.length === 2 ? groups(parts[1] ?? '') : [];
  const total = left.length + right.length;
  if (parts.length === 1 && total !== 8) return undefined;
  if (parts.length === 2 && total > 7) return undefined;
  const all = [...left, ...Array<string>(8 - total).fill('0'), ...right];
  let v = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail4 !== undefined) v = (v & ~0xffffffffn) | tail4;
  return { family: 'ipv6', value: v };
}

export function bits(family: Family): number {
  return family === 'ipv4' ? 32 : 128;
}

export function formatAddress(family: Family, value: bigint): string {
  if (family === 'ipv4') {
    return [24n, 16n, 8n, 0n].map((s) => ((value >> s) & 0xffn).toString()).join('.');
  }
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // longest run of zeros (length >= 2) is compressed
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export interface AddressRange {
  family: Family;
  first: bigint;
  last: bigint;
  /** Prefix length when the spec is a CIDR; undefined for a range. */
  prefix?: number;
}

/** Parses "192.0.2.0/24" or "192.0.2.10-192.0.2.20" (either family); returns an error message otherwise. */
export function parsePoolSpec(spec: string): AddressRange | string {
  const s = spec.trim();
  if (s.includes('/')) {
    const [addr = '', lenText = ''] = s.split('/');
    const a = parseAddress(addr);
    if (!a) return `${JSON.stringify(addr)} is not an IP address`;
    if (!/^\d{1,3}$/.test(lenText)) return `prefix length ${JSON.stringify(lenText)} is not a number`;
    const len = Number(lenText);
    const b = bits(a.family);
    if (len > b) return `prefix length ${len} is longer than ${b}`;
    const hostBits = BigInt(b - len);
    const mask = ((1n << BigInt(b)) - 1n) ^ ((1n << hostBits) - 1n);
    if ((a.value & mask) !== a.value) {
      return `${s} has host bits set; did you mean ${formatAddress(a.family, a.value & mask)}/${len}?`;
    }
    return { family: a.family, first: a.value, last: a.value | ((1n << hostBits) - 1n), prefix: len };
  }
  if (s.includes('-')) {
    const [from = '', to = ''] = s.split('-').map((x) => x.trim());
    const a = parseAddress(from);
    const b = parseAddress(to);
    if (!a) return `${JSON.stringify(from)} is not an IP address`;
    if (!b) return `${JSON.stringify(to)} is not an IP address`;
    if (a.family !== b.family) return 'range ends are of different address families';
    if (b.value < a.value) return 'range end is lower than range start';
    return { family: a.family, first: a.value, last: b.value };
  }
  return 'expected a CIDR ("192.0.2.0/24") or a range ("192.0.2.10-192.0.2.20")';
}

/**
 * One address space for both families: IPv4 a.b.c.d is ::ffff:a.b.c.d (RFC 4291 §2.5.5.2), so an
 * IPv4-mapped IPv6 pool and the IPv4 pool it spells are the same addresses to an overlap check.
 */
const MAPPED = 0xffff00000000n;
export function unified(range: AddressRange): { first: bigint; last: bigint } {
  return range.family === 'ipv4'
    ? { first: MAPPED | range.first, last: MAPPED | range.last }
    : { first: range.first, last: range.last };
}

export function overlaps(a: { first: bigint; last: bigint }, b: { first: bigint; last: bigint }): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/**
 * Blocks that are not public unicast addresses of one host: only platform operators may put them in a pool
 * (a tenant must not claim loopback, the metadata address 169.254.169.254, multicast, …). In the unified
 * space; the IPv4 blocks cover their IPv4-mapped IPv6 spellings too.
 */
const RESERVED: Array<{ spec: string; what: string }> = [
  { spec: '0.0.0.0/8', what: '"this network" (0.0.0.0/8, RFC 791), the unspecified address among them' },
  { spec: '127.0.0.0/8', what: 'loopback (127.0.0.0/8)' },
  { spec: '169.254.0.0/16', what: 'link-local (169.254.0.0/16), the cloud metadata address among them' },
  { spec: '224.0.0.0/4', what: 'multicast (224.0.0.0/4)' },
  { spec: '240.0.0.0/4', what: 'reserved (240.0.0.0/4), the limited broadcast address among them' },
  { spec: '::/96', what: 'unspecified, loopback and IPv4-compatible IPv6 (::/96)' },
  { spec: '::ffff:0:0/96', what: 'IPv4-mapped IPv6 (::ffff:0:0/96): write the IPv4 form' },
  { spec: 'fe80::/10', what: 'link-local (fe80::/10)' },
  { spec: 'ff00::/8', what: 'multicast (ff00::/8)' },
];
const reservedBlocks = RESERVED.map((r) => {
  const range = parsePoolSpec(r.spec) as AddressRange;
  return { ...r, family: range.family, ...unified(range) };
});

/** The reserved block the range touches (described for an error message), or undefined. */
export function reservedBlockOf(range: AddressRange): string | undefined {
  const u = unified(range);
  for (const b of reservedBlocks) {
    // IPv4 pools live inside ::ffff:0:0/96: that block is reserved only when written as IPv6.
    if (b.spec === '::ffff:0:0/96' && range.family === 'ipv4') continue;
    if (overlaps(u, b)) return b.what;
  }
  return undefined;
}

/**
 * Offsets (from the first address) a pool may hand out. An IPv4 CIDR of /30 or shorter has a network and a
 * broadcast address that many hosts and routers treat specially: they are skipped unless the pool says
 * otherwise. A /31 or /32 has neither (RFC 3021), and a range lists exactly the addresses it means.
 */
export function allocatableOffsets(range: AddressRange, skipNetworkAndBroadcast: boolean) {
  const size = range.last - range.first + 1n;
  const skip =
    skipNetworkAndBroadcast && range.family === 'ipv4' && range.prefix !== undefined && range.prefix <= 30;
  return skip ? { lo: 1n, hi: size - 2n } : { lo: 0n, hi: size - 1n };
}
