import { describe, expect, it } from 'vitest';
import { CLUSTER, LISTENER, ROUTE, type JsonObject } from '@epic/envoy-proto';
import type { SnapshotInput } from '@epic/xds-server';
import { proxylessSnapshot } from './proxyless.js';

const HCM =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const socketListener = (port: number, tls = false): JsonObject => ({
  name: `listener/${port}`,
  address: { socketAddress: { address: '0.0.0.0', portValue: port } },
  filterChains: [
    {
      ...(tls ? { transportSocket: { name: 'envoy.transport_sockets.tls' } } : {}),
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typedConfig: {
            '@type': HCM,
            statPrefix: 'x',
            rds: { routeConfigName: `route/${port}`, configSource: { ads: {} } },
          },
        },
      ],
    },
  ],
});
const routeConfig = (port: number, domains: string[]): JsonObject => ({
  name: `route/${port}`,
  virtualHosts: domains.map((d) => ({
    name: d,
    domains: [d],
    routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }],
  })),
});

const input: SnapshotInput = {
  version: '7',
  resources: {
    [LISTENER]: [8080, 80, 443].map((p) => ({
      name: `listener/${p}`,
      resource: socketListener(p, p === 443),
    })),
    [ROUTE]: [
      { name: 'route/80', resource: routeConfig(80, ['a.example.com', '*.wild.example.com']) },
      { name: 'route/8080', resource: routeConfig(8080, ['a.example.com', 'b.example.com']) },
      { name: 'route/443', resource: routeConfig(443, ['secure.example.com']) },
    ],
    [CLUSTER]: [{ name: 'c', resource: { name: 'c', type: 'EDS' } }],
  },
  typeVersions: { [LISTENER]: '3', [ROUTE]: '7', [CLUSTER]: '2' },
};

describe('proxyless variant of a revision', () => {
  const out = proxylessSnapshot(input);
  const listeners = Object.fromEntries((out.resources[LISTENER] ?? []).map((l) => [l.name, l.resource]));

  it('names one api listener per host and per host:port of plaintext HTTP listeners; the bare host takes the lowest port', () => {
    expect(Object.keys(listeners).sort()).toEqual([
      'a.example.com',
      'a.example.com:80',
      'a.example.com:8080',
      'b.example.com',
      'b.example.com:8080',
    ]);
    const rds = (name: string) =>
      ((listeners[name]!.apiListener as JsonObject).apiListener as JsonObject).rds as JsonObject;
    expect(rds('a.example.com').routeConfigName).toBe('route/80');
    expect(rds('a.example.com:8080').routeConfigName).toBe('route/8080');
  });

  it('adds host:port domains to virtual hosts, keeps wildcards, and leaves TLS route configurations alone', () => {
    const domains = (rc: string) =>
      ((out.resources[ROUTE] ?? []).find((r) => r.name === rc)!.resource.virtualHosts as JsonObject[]).map(
        (v) => v.domains,
      );
    expect(domains('route/80')).toEqual([
      ['a.example.com', 'a.example.com:80'],
      ['*.wild.example.com', '*.wild.example.com:80'],
    ]);
    expect(domains('route/443')).toEqual([['secure.example.com']]);
  });

  it('passes other types through with the revision versions and gives derived types content versions', () => {
    expect(out.version).toBe('7');
    expect(out.resources[CLUSTER]).toBe(input.resources[CLUSTER]);
    expect(out.typeVersions?.[CLUSTER]).toBe('2');
    expect(out.typeVersions?.[LISTENER]).toMatch(/^c-/);
    expect(proxylessSnapshot(structuredClone(input)).typeVersions).toEqual(out.typeVersions);
  });
});
