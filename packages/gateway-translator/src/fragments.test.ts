import { validateResource } from '@epic/envoy-proto';
import { describe, expect, it } from 'vitest';
import {
  fragmentShapeProblems,
  fragmentValidationTargets,
  mergeOptions,
  type TemplateFragments,
} from './fragments.js';
import { protoMerge } from './json.js';

function protoErrors(fragments: TemplateFragments): string[] {
  return fragmentValidationTargets(fragments).flatMap((t) =>
    validateResource(t.typeUrl, t.json).errors.map((e) => `${t.path}: ${e.path}: ${e.message}`),
  );
}

const rateLimit = {
  name: 'envoy.filters.http.local_ratelimit',
  typedConfig: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
    statPrefix: 'rl',
    tokenBucket: { maxTokens: 10, fillInterval: '1s' },
  },
};

describe('template fragments', () => {
  it('accepts native filters, options and clusters that Envoy accepts', () => {
    const fragments: TemplateFragments = {
      extraHttpFilters: [rateLimit],
      listenerOptions: { perConnectionBufferLimitBytes: 32768 },
      clusterOptions: { connectTimeout: '2s', circuitBreakers: { thresholds: [{ maxConnections: 10 }] } },
      extraClusters: [{ name: 'authz', type: 'STRICT_DNS', connectTimeout: '1s' }],
    };
    expect(protoErrors(fragments)).toEqual([]);
    expect(fragmentShapeProblems(fragments)).toEqual([]);
  });

  it('reports a bad filter configuration with the proto path of the error', () => {
    const bad = {
      ...rateLimit,
      typedConfig: { ...rateLimit.typedConfig, tokenBucket: { maxTokens: 'many', fillInterval: '1s' } },
    };
    expect(protoErrors({ extraHttpFilters: [bad] })).toContainEqual(
      'extraHttpFilters[0]: typed_config.token_bucket.max_tokens: expected an integer, got string',
    );
  });

  it('reports unknown cluster option fields', () => {
    expect(protoErrors({ clusterOptions: { connectTimeoutt: '1s' } }).join('\n')).toMatch(
      /clusterOptions: connectTimeoutt: unknown field/,
    );
  });

  it('names fields the translator owns and reserved cluster names', () => {
    expect(
      fragmentShapeProblems({
        listenerOptions: { name: 'x' },
        clusterOptions: { edsClusterConfig: {} },
        extraClusters: [{ name: 'service/ns/svc/80' }],
        extraHttpFilters: [{ name: 'envoy.filters.http.router' }],
      }),
    ).toEqual([
      'extraHttpFilters[0].name: the router filter is added by EPIC',
      'listenerOptions.name: set by EPIC',
      'clusterOptions.edsClusterConfig: set by EPIC',
      'extraClusters[0].name: prefixes service/, epic/, udproute/ are reserved',
    ]);
  });

  it('merges options like protobuf MergeFrom: scalars replace, messages merge, lists append', () => {
    const merged = protoMerge(
      { a: 1, m: { x: 1, y: 2 }, l: [1], any: { '@type': 't1', f: 1 } },
      { a: 2, m: { y: 3 }, l: [2], any: { '@type': 't2', g: 2 } },
    );
    expect(merged).toEqual({ a: 2, m: { x: 1, y: 3 }, l: [1, 2], any: { '@type': 't2', g: 2 } });
  });

  it('ignores reserved keys when merging into generated resources', () => {
    expect(mergeOptions({ name: 'listener/80', n: 1 }, { name: 'evil', n: 2 }, ['name'])).toEqual({
      name: 'listener/80',
      n: 2,
    });
  });
});
