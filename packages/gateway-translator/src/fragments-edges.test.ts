import { describe, expect, it } from 'vitest';
import {
  extraHttpFilters,
  fragmentShapeProblems,
  fragmentValidationTargets,
  mergeOptions,
  RESERVED_CLUSTER_NAME_PREFIXES,
  RESERVED_CLUSTER_OPTION_KEYS,
  RESERVED_LISTENER_OPTION_KEYS,
  ROUTER_FILTER_NAME,
} from './fragments.js';

// Template fragments one rule at a time: which keys and names are EPIC's, what is merged where, and what
// is handed to proto validation under which path.

const HTTP_FILTER =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter';
const LISTENER = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const CLUSTER = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';

describe('reserved names', () => {
  it('lists the fields and names EPIC owns', () => {
    expect(RESERVED_LISTENER_OPTION_KEYS).toEqual([
      'name',
      'address',
      'additionalAddresses',
      'filterChains',
      'defaultFilterChain',
      'filterChainMatcher',
    ]);
    expect(RESERVED_CLUSTER_OPTION_KEYS).toEqual([
      'name',
      'type',
      'clusterType',
      'edsClusterConfig',
      'loadAssignment',
    ]);
    expect(RESERVED_CLUSTER_NAME_PREFIXES).toEqual(['service/', 'epic/', 'udproute/']);
    expect(ROUTER_FILTER_NAME).toBe('envoy.filters.http.router');
  });
});

describe('mergeOptions', () => {
  it('returns the generated resource itself when there are no options', () => {
    const generated = { name: 'x', a: 1 };
    expect(mergeOptions(generated, undefined, ['name'])).toBe(generated);
  });

  it('merges allowed keys (messages field by field, lists appended) and drops every reserved one', () => {
    const generated = { name: 'listener/80', m: { x: 1 }, l: [1] };
    expect(
      mergeOptions(generated, { name: 'evil', address: 'evil', m: { y: 2 }, l: [2], n: 3 }, [
        'name',
        'address',
      ]),
    ).toEqual({ name: 'listener/80', m: { x: 1, y: 2 }, l: [1, 2], n: 3 });
    expect(generated).toEqual({ name: 'listener/80', m: { x: 1 }, l: [1] });
    expect(mergeOptions({ a: 1 }, {}, [])).toEqual({ a: 1 });
  });
});

describe('extraHttpFilters', () => {
  it('drops router filters and keeps the others in order', () => {
    const a = { name: 'a' };
    const b = { name: 'b' };
    expect(extraHttpFilters({ extraHttpFilters: [a, { name: ROUTER_FILTER_NAME }, b] })).toEqual([a, b]);
    expect(extraHttpFilters({})).toEqual([]);
    expect(extraHttpFilters(undefined)).toEqual([]);
  });
});

describe('fragmentShapeProblems', () => {
  it('accepts empty fragments and unreserved keys', () => {
    expect(fragmentShapeProblems({})).toEqual([]);
    expect(
      fragmentShapeProblems({
        extraHttpFilters: [{ name: 'envoy.filters.http.local_ratelimit' }],
        listenerOptions: { perConnectionBufferLimitBytes: 1 },
        clusterOptions: { connectTimeout: '1s' },
        extraClusters: [{ name: 'authz' }, { name: 'my-service/x' }, { name: 'x-epic/y' }],
      }),
    ).toEqual([]);
  });

  it('requires a string filter name, by index', () => {
    expect(fragmentShapeProblems({ extraHttpFilters: [{ name: 'ok' }, {}, { name: 3 }] })).toEqual([
      'extraHttpFilters[1].name: required',
      'extraHttpFilters[2].name: required',
    ]);
  });

  it('names every reserved listener and cluster option', () => {
    expect(
      fragmentShapeProblems({
        listenerOptions: Object.fromEntries(RESERVED_LISTENER_OPTION_KEYS.map((k) => [k, {}])),
        clusterOptions: Object.fromEntries(RESERVED_CLUSTER_OPTION_KEYS.map((k) => [k, {}])),
      }),
    ).toEqual([
      ...RESERVED_LISTENER_OPTION_KEYS.map((k) => `listenerOptions.${k}: set by EPIC`),
      ...RESERVED_CLUSTER_OPTION_KEYS.map((k) => `clusterOptions.${k}: set by EPIC`),
    ]);
    // listener keys are not cluster keys and the other way round
    expect(
      fragmentShapeProblems({ listenerOptions: { type: 'x' }, clusterOptions: { address: 'x' } }),
    ).toEqual([]);
  });

  it('requires extra cluster names and refuses reserved prefixes, by index', () => {
    expect(
      fragmentShapeProblems({
        extraClusters: [
          { name: 'ok' },
          {},
          { name: '' },
          { name: 7 },
          { name: 'service/a' },
          { name: 'epic/b' },
        ],
      }),
    ).toEqual([
      'extraClusters[1].name: required',
      'extraClusters[2].name: required',
      'extraClusters[3].name: required',
      'extraClusters[4].name: prefixes service/, epic/, udproute/ are reserved',
      'extraClusters[5].name: prefixes service/, epic/, udproute/ are reserved',
    ]);
  });
});

describe('fragmentValidationTargets', () => {
  it('has nothing to validate for empty fragments', () => {
    expect(fragmentValidationTargets({})).toEqual([]);
  });

  it('validates each filter and extra cluster as is, and options merged into a generated-like resource', () => {
    const f0 = { name: 'f0' };
    const f1 = { name: 'f1' };
    const c0 = { name: 'c0' };
    const c1 = { name: 'c1' };
    expect(
      fragmentValidationTargets({
        extraHttpFilters: [f0, f1],
        listenerOptions: { name: 'ignored', perConnectionBufferLimitBytes: 1 },
        clusterOptions: { type: 'STATIC', connectTimeout: '2s' },
        extraClusters: [c0, c1],
      }),
    ).toEqual([
      { path: 'extraHttpFilters[0]', typeUrl: HTTP_FILTER, json: f0 },
      { path: 'extraHttpFilters[1]', typeUrl: HTTP_FILTER, json: f1 },
      {
        path: 'listenerOptions',
        typeUrl: LISTENER,
        json: {
          name: 'listener/80',
          address: { socketAddress: { address: '0.0.0.0', portValue: 80 } },
          perConnectionBufferLimitBytes: 1,
        },
      },
      {
        path: 'clusterOptions',
        typeUrl: CLUSTER,
        json: {
          name: 'service/namespace/name/80',
          type: 'EDS',
          edsClusterConfig: { edsConfig: { ads: {}, resourceApiVersion: 'V3' } },
          connectTimeout: '2s',
        },
      },
      { path: 'extraClusters[0]', typeUrl: CLUSTER, json: c0 },
      { path: 'extraClusters[1]', typeUrl: CLUSTER, json: c1 },
    ]);
  });

  it('validates empty options as the bare generated resources', () => {
    expect(fragmentValidationTargets({ listenerOptions: {} })).toEqual([
      {
        path: 'listenerOptions',
        typeUrl: LISTENER,
        json: { name: 'listener/80', address: { socketAddress: { address: '0.0.0.0', portValue: 80 } } },
      },
    ]);
    expect(fragmentValidationTargets({ clusterOptions: {} })).toEqual([
      {
        path: 'clusterOptions',
        typeUrl: CLUSTER,
        json: {
          name: 'service/namespace/name/80',
          type: 'EDS',
          edsClusterConfig: { edsConfig: { ads: {}, resourceApiVersion: 'V3' } },
          connectTimeout: '10s',
        },
      },
    ]);
  });
});
