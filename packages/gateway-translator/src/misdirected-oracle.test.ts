import fc from 'fast-check';
import { validate, type GatewaySpec, type HTTPRouteSpec } from '@epic/gateway-api';
import { describe, expect, it } from 'vitest';
import type { RouteInput, TranslateInput } from './input.js';
import { Secret } from './secret.js';
import { traceRequest } from './select-route-configuration.js';
import { translate } from './translate.js';

// Differential test of HTTPS listeners that share a port: for arbitrary sets of listener hostnames and
// arbitrary (TLS server name, Host) pairs, the trace of the rendered configuration agrees with the
// Gateway API's rule written here from the spec text (Listener.hostname): the server name picks the
// listener whose hostname matches it most specifically (exact, then the longest wildcard, then the listener
// without a hostname); the Host is served there when that same listener is the most specific match for it
// (404 when no route is attached to it), answers 421 when another listener is, and 404 when none is.

const LISTENER_HOSTNAMES = ['a.com', 'b.a.com', '*.a.com', '*.b.a.com', '*.com', 'x.org'];
const NAMES = ['a.com', 'b.a.com', 'c.a.com', 'd.b.a.com', 'x.org', 'y.org', 'a.net'];

/** Does a listener hostname (undefined: any) match a name? Wildcards match one or more labels. */
function matches(hostname: string | undefined, name: string): boolean {
  if (hostname === undefined) return true;
  if (hostname.startsWith('*.')) return name.endsWith(hostname.slice(1));
  return hostname === name;
}

/** 0 for an exact hostname, then wildcards by decreasing length, then no hostname. */
function rank(hostname: string | undefined): number {
  if (hostname === undefined) return Number.MAX_SAFE_INTEGER;
  if (!hostname.startsWith('*.')) return 0;
  return 1_000 - hostname.length;
}

/** Index of the listener whose hostname matches `name` most specifically, or undefined. */
function mostSpecific(hostnames: (string | undefined)[], name: string): number | undefined {
  let best: number | undefined;
  hostnames.forEach((h, i) => {
    if (!matches(h, name)) return;
    if (best === undefined || rank(h) < rank(hostnames[best])) best = i;
  });
  return best;
}

function render(hostnames: (string | undefined)[], routed: boolean[]) {
  const gateway = validate('Gateway', {
    gatewayClassName: 'epic',
    listeners: hostnames.map((hostname, i) => ({
      name: `l${i}`,
      port: 443,
      protocol: 'HTTPS',
      ...(hostname !== undefined ? { hostname } : {}),
      tls: { certificateRefs: [{ name: 'cert' }] },
    })),
  });
  if (!gateway.ok) throw new Error(JSON.stringify(gateway.issues));
  const routes: RouteInput[] = hostnames.flatMap((_, i) => {
    if (!routed[i]) return [];
    const spec = validate('HTTPRoute', {
      parentRefs: [{ name: 'gw', sectionName: `l${i}` }],
      rules: [{ backendRefs: [{ name: `svc-${i}`, port: 80 }] }],
    });
    if (!spec.ok) throw new Error(JSON.stringify(spec.issues));
    const route: RouteInput = {
      id: `r${i}`,
      kind: 'HTTPRoute',
      namespace: 'ns',
      name: `r${i}`,
      generation: 1,
      creationTimestamp: '2026-01-01T00:00:00Z',
      spec: spec.value as HTTPRouteSpec,
    };
    return [route];
  });
  const input: TranslateInput = {
    gateway: {
      id: 'g',
      accountId: 'a',
      name: 'gw',
      namespace: 'ns',
      address: '192.0.2.1',
      generation: 1,
      listeners: (gateway.value as GatewaySpec).listeners,
    },
    routes,
    referenceGrants: [],
    services: hostnames.map((_, i) => ({
      namespace: 'ns',
      name: `svc-${i}`,
      ports: [{ port: 80 }],
      endpoints: [],
    })),
    certificates: [
      {
        namespace: 'ns',
        name: 'cert',
        id: 'c1',
        certificatePem: '-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n',
        privateKey: new Secret('test-only'),
      },
    ],
    namespaces: [],
  };
  const result = translate(input);
  if (result.resources === undefined) throw new Error(JSON.stringify(result.issues));
  return result.resources;
}

const listenerSets = fc.uniqueArray(fc.option(fc.constantFrom(...LISTENER_HOSTNAMES), { nil: undefined }), {
  minLength: 1,
  maxLength: 5,
});
const requests = fc.array(
  fc.record({ serverName: fc.constantFrom(...NAMES), host: fc.constantFrom(...NAMES) }),
  {
    minLength: 1,
    maxLength: 10,
  },
);

describe('misdirected requests: trace of the rendered configuration vs the spec rule', () => {
  it('agrees on the backend, 421 or 404 for every server name and Host', () => {
    let misdirected = 0;
    let served = 0;
    fc.assert(
      fc.property(
        listenerSets,
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        requests,
        (hostnames, routed, reqs) => {
          const resources = render(hostnames, routed);
          for (const { serverName, host } of reqs) {
            const chain = mostSpecific(hostnames, serverName);
            const trace = traceRequest(resources, {
              serverName,
              host,
              path: '/',
              scheme: 'https',
              port: 443,
            });
            if (chain === undefined) {
              expect(trace.connection).toBe('refused');
              continue;
            }
            if (trace.connection !== 'accepted') throw new Error(`refused: ${serverName} on ${hostnames}`);
            const owner = mostSpecific(hostnames, host);
            const got =
              trace.outcome.status ??
              (trace.outcome.action.type === 'route'
                ? trace.outcome.action.clusters.map((c) => c.name).join()
                : '?');
            const expected =
              owner === undefined || (owner === chain && !routed[chain])
                ? 404
                : owner === chain
                  ? `service/ns/svc-${chain}/80`
                  : 421;
            expect({ hostnames, routed, serverName, host, got }).toEqual({
              hostnames,
              routed,
              serverName,
              host,
              got: expected,
            });
            if (expected === 421) misdirected += 1;
            if (typeof expected === 'string') served += 1;
          }
        },
      ),
      { numRuns: 300 },
    );
    // The generators reach every outcome often.
    expect(misdirected).toBeGreaterThan(100);
    expect(served).toBeGreaterThan(100);
  });
});
