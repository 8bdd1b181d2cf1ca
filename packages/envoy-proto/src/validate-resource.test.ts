import { describe, expect, it } from 'vitest';
import { validateResource } from './resource-codec.js';
import { CLUSTER, ENDPOINT, LISTENER, ROUTE } from './type-urls.js';
import { HCM_TYPE, ROUTER_TYPE, edsCluster, httpListener } from './test-fixtures.js';

function paths(typeUrl: string, json: unknown): string[] {
  return validateResource(typeUrl, json).errors.map((e) => e.path);
}

describe('validateResource', () => {
  it('accepts a well-formed listener and cluster', () => {
    expect(validateResource(LISTENER, httpListener())).toEqual({ ok: true, errors: [] });
    expect(validateResource(CLUSTER, edsCluster())).toEqual({ ok: true, errors: [] });
  });

  it('reports a rule broken deep inside an Any with the full proto path', () => {
    const listener = httpListener() as any;
    listener.filterChains[0].filters[0].typedConfig.routeConfig.virtualHosts[0].domains = [];
    const result = validateResource(LISTENER, listener);
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([
      {
        path: 'filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].domains',
        message: 'at least 1 item(s) required, got 0',
      },
    ]);
  });

  it('rejects unknown fields inside nested messages', () => {
    const listener = httpListener() as any;
    listener.filterChains[0].filters[0].typedConfig.httpFilters[0].typedConfig.dynamicStat = true;
    expect(paths(LISTENER, listener)).toEqual([
      'filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.dynamicStat',
    ]);
  });

  it('rejects an Any whose @type the schema does not know', () => {
    const listener = httpListener() as any;
    listener.filterChains[0].filters[0].typedConfig.httpFilters[0].typedConfig = {
      '@type': 'type.googleapis.com/acme.Nope',
    };
    const result = validateResource(LISTENER, listener);
    expect(result.errors).toEqual([
      {
        path: 'filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.@type',
        message: 'unknown type type.googleapis.com/acme.Nope',
      },
    ]);
  });

  it('rejects values of the wrong JSON type', () => {
    expect(validateResource(CLUSTER, { ...edsCluster(), connectTimeout: 5 }).errors[0]?.message).toMatch(
      /duration/,
    );
    expect(paths(CLUSTER, { ...edsCluster(), respectDnsTtl: 'yes' })).toEqual(['respect_dns_ttl']);
    expect(paths(CLUSTER, { ...edsCluster(), perConnectionBufferLimitBytes: { value: 5 } })).toEqual([
      'per_connection_buffer_limit_bytes',
    ]);
  });

  it('rejects enum names that do not exist', () => {
    expect(paths(CLUSTER, { ...edsCluster(), lbPolicy: 'FASTEST' })).toEqual(['lb_policy']);
  });

  it('enforces string min_len (cluster name must not be empty)', () => {
    expect(validateResource(CLUSTER, { ...edsCluster(), name: '' }).errors).toEqual([
      { path: 'name', message: 'value must not be empty' },
    ]);
  });

  it('enforces uint32 ranges (port_value <= 65535)', () => {
    const cla = {
      clusterName: 'c',
      endpoints: [
        {
          lbEndpoints: [
            { endpoint: { address: { socketAddress: { address: '10.0.0.1', portValue: 70000 } } } },
          ],
        },
      ],
    };
    expect(paths(ENDPOINT, cla)).toEqual([
      'endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value',
    ]);
  });

  it('enforces required oneofs (a route needs an action)', () => {
    const route = {
      name: 'r',
      virtualHosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' } }] }],
    };
    const result = validateResource(ROUTE, route);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.path).toBe('virtual_hosts[0].routes[0]');
    expect(result.errors[0]?.message).toMatch(/oneof "action"/);
  });

  it('enforces required message fields (a route needs a match)', () => {
    const route = {
      name: 'r',
      virtualHosts: [{ name: 'v', domains: ['*'], routes: [{ route: { cluster: 'c' } }] }],
    };
    expect(validateResource(ROUTE, route).errors).toEqual([
      { path: 'virtual_hosts[0].routes[0].match', message: 'value is required' },
    ]);
  });

  it('rejects setting two members of the same oneof', () => {
    const route = {
      name: 'r',
      virtualHosts: [
        {
          name: 'v',
          domains: ['*'],
          routes: [{ match: { prefix: '/', path: '/x' }, route: { cluster: 'c' } }],
        },
      ],
    };
    expect(paths(ROUTE, route)).toEqual(['virtual_hosts[0].routes[0].match.path']);
  });

  it('checks header names against the HTTP header grammar', () => {
    const route = {
      name: 'r',
      virtualHosts: [
        {
          name: 'v',
          domains: ['*'],
          routes: [
            {
              match: { prefix: '/', headers: [{ name: 'x\nevil', presentMatch: true }] },
              route: { cluster: 'c' },
            },
          ],
        },
      ],
    };
    expect(paths(ROUTE, route)).toEqual(['virtual_hosts[0].routes[0].match.headers[0].name']);
  });

  it('validates extension filters such as local_ratelimit by their own schema', () => {
    const listener = httpListener() as any;
    listener.filterChains[0].filters[0].typedConfig.httpFilters.unshift({
      name: 'envoy.filters.http.local_ratelimit',
      typedConfig: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
        statPrefix: 'rl',
        tokenBucket: { maxTokens: 0, fillInterval: '1s' },
      },
    });
    expect(paths(LISTENER, listener)).toEqual([
      'filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.token_bucket.max_tokens',
    ]);
    listener.filterChains[0].filters[0].typedConfig.httpFilters[0].typedConfig.tokenBucket.maxTokens = 10;
    expect(validateResource(LISTENER, listener).ok).toBe(true);
  });

  it('validates any known message type by its type URL (a template fragment)', () => {
    expect(
      validateResource(HCM_TYPE, {
        statPrefix: 'x',
        rds: { routeConfigName: 'r', configSource: { ads: {} } },
      }).ok,
    ).toBe(true);
    expect(validateResource(ROUTER_TYPE, { suppressEnvoyHeaders: 'no' }).ok).toBe(false);
  });
});
