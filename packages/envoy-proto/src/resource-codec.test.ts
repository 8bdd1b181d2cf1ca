import { describe, expect, it } from 'vitest';
import { CLUSTER, ENDPOINT, LISTENER, ROUTE, SECRET } from './type-urls.js';
import { ProtoValidationError, canonicalResource, decodeResource, encodeResource } from './resource-codec.js';
import { HCM_TYPE, edsCluster, httpListener } from './test-fixtures.js';

describe('encodeResource / decodeResource', () => {
  it('round-trips a listener with an HttpConnectionManager inside an Any, keeping @type', () => {
    const decoded = decodeResource(LISTENER, encodeResource(LISTENER, httpListener()));
    const filter = (decoded.filterChains as any)[0].filters[0];
    expect(filter.typedConfig['@type']).toBe(HCM_TYPE);
    expect(filter.typedConfig.routeConfig.virtualHosts[0].domains).toEqual(['shop.example.com']);
  });

  it('writes durations in canonical proto3 JSON and reads "1.5s", "15s" and {seconds, nanos}', () => {
    const base = edsCluster();
    expect(canonicalResource(CLUSTER, { ...base, connectTimeout: '15s' }).connectTimeout).toBe('15s');
    expect(canonicalResource(CLUSTER, { ...base, connectTimeout: '1.5s' }).connectTimeout).toBe('1.500s');
    expect(
      canonicalResource(CLUSTER, { ...base, connectTimeout: { seconds: 2, nanos: 5000 } }).connectTimeout,
    ).toBe('2.000005s');
  });

  it('takes wrapper types as plain values and gives them back plain', () => {
    expect(canonicalResource(CLUSTER, edsCluster()).perConnectionBufferLimitBytes).toBe(32768);
  });

  it('accepts snake_case field names and answers in lowerCamelCase', () => {
    const decoded = canonicalResource(CLUSTER, {
      name: 'c',
      connect_timeout: '1s',
      lb_policy: 'LEAST_REQUEST',
    });
    expect(decoded).toEqual({ name: 'c', connectTimeout: '1s', lbPolicy: 'LEAST_REQUEST' });
  });

  it('encodes int64 values given as numbers or strings and decodes them as strings', () => {
    const route = {
      name: 'r',
      virtualHosts: [
        {
          name: 'v',
          domains: ['*'],
          routes: [
            {
              match: { prefix: '/', runtimeFraction: { defaultValue: { numerator: 5 } } },
              route: { cluster: 'c' },
            },
          ],
          perRequestBufferLimitBytes: 1024,
        },
      ],
    };
    const decoded = canonicalResource(ROUTE, route) as any;
    expect(decoded.virtualHosts[0].routes[0].match.runtimeFraction.defaultValue.numerator).toBe(5);
    const cla = canonicalResource(ENDPOINT, {
      clusterName: 'c',
      endpoints: [
        {
          lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '10.0.0.1', portValue: 80 } } } }],
        },
      ],
      policy: { overprovisioningFactor: 140 },
    }) as any;
    expect(cla.policy.overprovisioningFactor).toBe(140);
  });

  it('encodes a Secret with inline bytes given as base64', () => {
    const secret = {
      name: 'cert',
      tlsCertificate: { certificateChain: { inlineBytes: Buffer.from('PEM').toString('base64') } },
    };
    expect((canonicalResource(SECRET, secret) as any).tlsCertificate.certificateChain.inlineBytes).toBe(
      'UEVN',
    );
  });

  it('throws ProtoValidationError with the proto path of an unknown field', () => {
    let error: unknown;
    try {
      encodeResource(CLUSTER, { ...edsCluster(), connectTimeot: '1s' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ProtoValidationError);
    expect((error as ProtoValidationError).errors).toEqual([
      { path: 'connectTimeot', message: 'unknown field "connectTimeot" in envoy.config.cluster.v3.Cluster' },
    ]);
  });

  it('throws for a type URL the schema does not know', () => {
    expect(() => encodeResource('type.googleapis.com/envoy.nope.v3.Thing', {})).toThrow(/unknown type/);
  });
});
