import type { ModelInput } from './model.js';

/** A gateway with one listener, one HTTPRoute with two weighted backends and their endpoints. */
export function smallGateway(endpointsPerService = 2): ModelInput {
  const eps = (prefix: string, node: string) =>
    Array.from({ length: endpointsPerService }, (_, i) => ({
      addresses: [`${prefix}.${i + 1}`],
      conditions: { ready: i !== 1, serving: i !== 1, terminating: false },
      nodeName: node,
      targetRef: { kind: 'Pod', name: `pod-${prefix}-${i}` },
    }));
  return {
    gateway: {
      id: 'g1',
      name: 'web',
      namespace: 'default',
      address: '192.0.2.1',
      dnsName: 'web.example.com',
      listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
      conditions: [{ type: 'Accepted', status: 'True' }],
    },
    routes: [
      {
        id: 'r1',
        kind: 'HTTPRoute',
        name: 'shop',
        namespace: 'default',
        parents: [{ gatewayId: 'g1', refIndex: 0 }],
        status: { parents: [{ gatewayId: 'g1', conditions: [{ type: 'Accepted', status: 'True' }] }] },
        spec: {
          parentRefs: [{ name: 'web' }],
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/shop' } }],
              backendRefs: [
                { name: 'shop-v1', port: 8080, weight: 90 },
                { name: 'shop-v2', port: 8080, weight: 10 },
              ],
            },
          ],
        },
      },
    ],
    slices: [
      {
        id: 's1',
        namespace: 'default',
        serviceName: 'shop-v1',
        clusterId: 'c1',
        endpoints: eps('10.0.1', 'node-a'),
      },
      {
        id: 's2',
        namespace: 'default',
        serviceName: 'shop-v2',
        clusterId: 'c1',
        endpoints: eps('10.0.2', 'node-b'),
      },
      {
        id: 's3',
        namespace: 'default',
        serviceName: 'unrelated',
        clusterId: 'c1',
        endpoints: eps('10.0.3', 'node-c'),
      },
    ],
  };
}

/**
 * The gateway's proxies on EPIC nodes and the workload nodes' tunnel addresses: proxy-a and proxy-b on epic-1
 * (proxy-b not ready), proxy-c on epic-2, proxy-d not reported by any node yet.
 */
export function withProxies(input: ModelInput): ModelInput {
  return {
    ...input,
    slices: input.slices.map((s) => ({
      ...s,
      nodeAddresses: Object.fromEntries(
        [...new Set(s.endpoints.map((e) => e.nodeName).filter((n): n is string => Boolean(n)))].map(
          (n, i) => [n, `198.51.100.${10 + i}`],
        ),
      ),
    })),
    proxies: [
      { podName: 'proxy-c', node: 'epic-2', ready: true, xdsConnected: true, ackedVersion: 3 },
      { podName: 'proxy-a', node: 'epic-1', ready: true, xdsConnected: true, ackedVersion: 3 },
      { podName: 'proxy-b', node: 'epic-1', ready: false, xdsConnected: true, ackedVersion: 2 },
      { podName: 'proxy-d', node: null, ready: false, xdsConnected: false, ackedVersion: null },
    ],
  };
}

/** `routes` routes, each with one rule and one backend service of `perService` endpoints. */
export function largeGateway(routes: number, perService: number): ModelInput {
  const base = smallGateway(0);
  return {
    gateway: base.gateway,
    // Two EPIC nodes with a proxy each: 8 workload nodes × 2 tunnels.
    proxies: [
      { podName: 'proxy-0', node: 'epic-0', ready: true, xdsConnected: true, ackedVersion: 1 },
      { podName: 'proxy-1', node: 'epic-1', ready: true, xdsConnected: true, ackedVersion: 1 },
    ],
    routes: Array.from({ length: routes }, (_, i) => ({
      id: `r${String(i).padStart(4, '0')}`,
      kind: 'HTTPRoute',
      name: `route-${i}`,
      namespace: 'default',
      parents: [{ gatewayId: 'g1', refIndex: 0 }],
      spec: {
        parentRefs: [{ name: 'web' }],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: `/r${i}` } }],
            backendRefs: [{ name: `svc-${i}`, port: 80 }],
          },
        ],
      },
    })),
    slices: Array.from({ length: routes }, (_, i) => ({
      id: `s${String(i).padStart(4, '0')}`,
      namespace: 'default',
      serviceName: `svc-${i}`,
      clusterId: 'c1',
      endpoints: Array.from({ length: perService }, (_, j) => ({
        addresses: [`10.${Math.floor(i / 250)}.${i % 250}.${j + 1}`],
        conditions: { ready: true },
        nodeName: `node-${j % 8}`,
        targetRef: { kind: 'Pod', name: `svc-${i}-${j}` },
      })),
      nodeAddresses: Object.fromEntries(
        Array.from({ length: Math.min(perService, 8) }, (_, j) => [`node-${j}`, `198.51.100.${j + 1}`]),
      ),
    })),
  };
}
