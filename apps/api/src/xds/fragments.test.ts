import { describe, expect, it } from 'vitest';
import { bootstrapClusterNames, validateFragments } from './fragments.js';

const cluster = (name: string) => ({
  name,
  type: 'STATIC',
  connectTimeout: '1s',
  loadAssignment: {
    clusterName: name,
    endpoints: [
      { lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: 9 } } } }] },
    ],
  },
});

describe('template fragments and the bootstrap', () => {
  it("reserves the bootstrap's static clusters, read from the bootstrap itself", () => {
    expect([...bootstrapClusterNames()]).toEqual(['epic_xds']);
  });

  it('refuses an extra cluster named epic_xds, naming the field', () => {
    const issues = validateFragments({ extraClusters: [cluster('ok'), cluster('epic_xds')] });
    expect(issues.map((i) => i.path)).toContain('extraClusters[1].name');
    expect(issues.find((i) => i.path === 'extraClusters[1].name')?.message).toMatch(/reserved/);
  });

  it('refuses a fragment that sends traffic to the bootstrap cluster', () => {
    const issues = validateFragments({
      extraHttpFilters: [
        {
          name: 'envoy.filters.http.ext_authz',
          typedConfig: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
            grpcService: { envoyGrpc: { clusterName: 'epic_xds' } },
          },
        },
      ],
    });
    expect(issues.map((i) => i.path)).toEqual([
      'extraHttpFilters[0].typedConfig.grpcService.envoyGrpc.clusterName',
    ]);
  });

  it('accepts an ordinary extra cluster', () => {
    expect(validateFragments({ extraClusters: [cluster('authz')] })).toEqual([]);
  });
});
