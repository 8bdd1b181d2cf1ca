const DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** Milliseconds of a GEP-2257 duration ("1h", "1m30s", "500ms"), or undefined if it is not one. */
export function parseDuration(value: string): number | undefined {
  if (!DURATION.test(value)) return undefined;
  let total = 0;
  for (const [, digits, unit] of value.matchAll(/([0-9]+)(ms|h|m|s)/g))
    total += Number(digits) * (UNIT_MS[unit ?? ''] ?? 0);
  return total;
}

/** proto3 JSON form of google.protobuf.Duration: seconds with up to nine fractional digits and "s". */
export function protoDuration(millis: number): string {
  const seconds = Math.floor(millis / 1000);
  const ms = millis % 1000;
  return ms === 0 ? `${seconds}s` : `${seconds}.${String(ms).padStart(3, '0')}s`;
}
