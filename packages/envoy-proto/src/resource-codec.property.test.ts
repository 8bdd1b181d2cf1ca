import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDuration } from './proto-json.js';
import { canonicalResource, validateResource } from './resource-codec.js';
import { CLUSTER } from './type-urls.js';

const cluster = fc.record({
  name: fc.string({ minLength: 1, maxLength: 40 }),
  seconds: fc.integer({ min: 0, max: 315_576_000_000 }),
  nanos: fc.integer({ min: 0, max: 999_999_999 }),
  ports: fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: 1, maxLength: 4 }),
  weight: fc.integer({ min: 1, max: 128 }),
  limit: fc.integer({ min: 0, max: 0xffffffff }),
});

describe('encode/decode properties', () => {
  it('any in-range cluster validates, and its canonical form is a fixed point that keeps every value', () => {
    fc.assert(
      fc.property(cluster, (c) => {
        const json = {
          name: c.name,
          type: 'STATIC',
          connectTimeout: { seconds: c.seconds, nanos: c.nanos },
          perConnectionBufferLimitBytes: c.limit,
          loadAssignment: {
            clusterName: c.name,
            endpoints: [
              {
                loadBalancingWeight: c.weight,
                lbEndpoints: c.ports.map((p) => ({
                  endpoint: { address: { socketAddress: { address: '10.0.0.1', portValue: p } } },
                })),
              },
            ],
          },
        };
        expect(validateResource(CLUSTER, json)).toEqual({ ok: true, errors: [] });
        const canonical = canonicalResource(CLUSTER, json);
        expect(canonicalResource(CLUSTER, canonical)).toEqual(canonical);
        expect(parseDuration(canonical.connectTimeout)).toEqual({ seconds: c.seconds, nanos: c.nanos });
        expect(canonical.perConnectionBufferLimitBytes ?? 0).toBe(c.limit);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws from validateResource, whatever JSON it is given', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = validateResource(CLUSTER, value);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});
