import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validate, type SpecKind } from './index.js';
import {
  allPaths,
  gatewaySpec,
  grpcRouteSpec,
  httpRouteSpec,
  junk,
  mutateAt,
  referenceGrantSpec,
  tcpRouteSpec,
  tlsRouteSpec,
  udpRouteSpec,
} from './test-support/arbitraries.js';
import { upstreamValidator } from './test-support/upstream.js';

// Modest by default; raise GATEWAY_API_FC_RUNS to stress locally.
const RUNS = Number(process.env.GATEWAY_API_FC_RUNS ?? 200);
const generators: [SpecKind, fc.Arbitrary<object>][] = [
  ['HTTPRoute', httpRouteSpec],
  ['GRPCRoute', grpcRouteSpec],
  ['TCPRoute', tcpRouteSpec],
  ['TLSRoute', tlsRouteSpec],
  ['UDPRoute', udpRouteSpec],
  ['Gateway', gatewaySpec],
  ['ReferenceGrant', referenceGrantSpec],
];

describe.each(generators)('%s properties', (kind, arbitrary) => {
  const upstream = upstreamValidator(kind);

  it('every spec ours accepts, the upstream schema accepts (both raw and after our defaulting)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(arbitrary, (spec) => {
        const ours = validate(kind, spec);
        if (!ours.ok) return true;
        accepted++;
        return upstream(spec).ok && upstream(ours.value).ok;
      }),
      { numRuns: RUNS },
    );
    // The generators aim at valid specs: the property must not hold vacuously.
    expect(accepted).toBeGreaterThan(RUNS / 2);
  });

  it('a spec with one field broken or removed: if upstream rejects it, ours rejects it', () => {
    fc.assert(
      fc.property(arbitrary, fc.nat(), junk, fc.boolean(), (spec, pick, value, remove) => {
        const paths = allPaths(spec);
        if (paths.length === 0) return true;
        const broken = mutateAt(spec, paths[pick % paths.length] ?? [], value, remove);
        if (upstream(broken).ok) return true;
        const ours = validate(kind, broken);
        return !ours.ok && ours.issues.every((i) => i.path.startsWith('spec'));
      }),
      { numRuns: RUNS },
    );
  });

  it('parsing is idempotent: a defaulted spec parses to itself', () => {
    fc.assert(
      fc.property(arbitrary, (spec) => {
        const once = validate(kind, spec);
        if (!once.ok) return true;
        const twice = validate(kind, once.value);
        return twice.ok && JSON.stringify(twice.value) === JSON.stringify(once.value);
      }),
      { numRuns: RUNS },
    );
  });
});
