import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildVectors, type VectorCase } from './vectors.js';
import { decapsulateIpv4 } from './packet.js';
import { fromHex } from './bytes.js';

const file = fileURLToPath(new URL('../testdata/vectors.json', import.meta.url));
const built = JSON.stringify({ cases: buildVectors() }, null, 2) + '\n';
if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, built);

describe('golden vectors shared with the BPF tests', () => {
  it('testdata/vectors.json matches the vectors built from the encoders (UPDATE_GOLDEN=1 regenerates)', () => {
    expect(readFileSync(file, 'utf8')).toBe(built);
  });

  const cases = (JSON.parse(readFileSync(file, 'utf8')) as { cases: VectorCase[] }).cases;
  const eth = 14;

  it.each(
    cases
      .filter((c) => c.program.endsWith('encap') && c.counter === 'encap')
      .map((c) => [c.name, c] as const),
  )('%s: the output decapsulates to the input', (_name, c) => {
    const r = decapsulateIpv4(fromHex(c.output ?? '').subarray(eth));
    expect(r.ok && r.value.inner).toEqual(fromHex(c.input).subarray(eth));
  });

  it.each(
    cases
      .filter(
        (c) => (c.counter === 'decap' || c.counter === 'learned') && !c.extraCounters?.includes('mssClamped'),
      )
      .map((c) => [c.name, c] as const),
  )('%s: the output is the decapsulated input', (_name, c) => {
    const r = decapsulateIpv4(fromHex(c.input).subarray(eth));
    expect(r.ok && r.value.inner).toEqual(fromHex(c.output ?? '').subarray(eth));
  });
});
