import { describe, expect, it } from 'vitest';
import { evaluateRoute } from './evaluate-route.js';
import type { JsonObject } from './json.js';

const rc = (virtualHosts: JsonObject[]): JsonObject => ({ name: 'rc', virtualHosts });
const to = (cluster: string): JsonObject => ({ cluster });

describe('evaluateRoute', () => {
  const config = rc([
    {
      name: 'exact',
      domains: ['a.example.com'],
      routes: [{ name: 'exact-route', match: { prefix: '/' }, route: to('exact') }],
    },
    {
      name: 'suffix-long',
      domains: ['*.b.example.com'],
      routes: [{ name: 'long', match: { prefix: '/' }, route: to('long') }],
    },
    {
      name: 'suffix',
      domains: ['*.example.com'],
      routes: [{ name: 'short', match: { prefix: '/' }, route: to('short') }],
    },
    {
      name: 'prefix',
      domains: ['www.*'],
      routes: [{ name: 'www', match: { prefix: '/' }, route: to('www') }],
    },
    {
      name: 'any',
      domains: ['*'],
      routes: [
        { name: 'regex', match: { safeRegex: { regex: '/r/[0-9]+' } }, route: to('regex') },
        {
          name: 'inverted',
          match: { prefix: '/inv', headers: [{ name: 'x', stringMatch: { exact: '1' }, invertMatch: true }] },
          route: to('inv'),
        },
        {
          name: 'present',
          match: { prefix: '/inv', headers: [{ name: 'x', presentMatch: true }] },
          route: to('present'),
        },
        { name: 'direct', match: { path: '/teapot' }, directResponse: { status: 418 } },
      ],
    },
  ]);
  const cluster = (host: string, path: string, headers?: Record<string, string>) => {
    const o = evaluateRoute(config, { host, path, ...(headers ? { headers } : {}) });
    return o.action.type === 'route' ? o.action.clusters[0]?.name : o.status;
  };

  it('picks virtual hosts in Envoy order: exact, longest suffix, prefix, then *', () => {
    expect(cluster('a.example.com', '/')).toBe('exact');
    expect(cluster('x.b.example.com', '/')).toBe('long');
    expect(cluster('x.example.com', '/')).toBe('short');
    expect(cluster('www.other.org', '/')).toBe('www');
    expect(cluster('other.org:8080', '/')).toBe(404);
  });

  it.each([
    ['shorter listed first', ['*.example.com', '*.b.example.com']],
    ['longer listed first', ['*.b.example.com', '*.example.com']],
  ])('takes the longest suffix wildcard whatever the order (%s)', (_order, domains) => {
    const vhosts = rc(
      domains.map((d) => ({
        name: d,
        domains: [d],
        routes: [{ name: d, match: { prefix: '/' }, route: to(d) }],
      })),
    );
    expect(evaluateRoute(vhosts, { host: 'x.b.example.com', path: '/' }).virtualHost).toBe('*.b.example.com');
    expect(evaluateRoute(vhosts, { host: 'x.c.example.com', path: '/' }).virtualHost).toBe('*.example.com');
    // Within one virtual host, too: the longest of its own domains decides against another's.
    const mixed = rc([
      { name: 'short', domains: ['*.com', 'a.org'], routes: [] },
      { name: 'long', domains: ['*.example.com'], routes: [] },
    ]);
    expect(evaluateRoute(mixed, { host: 'x.example.com', path: '/' }).virtualHost).toBe('long');
  });

  it('takes the longest prefix wildcard whatever the order', () => {
    for (const domains of [
      ['www.*', 'www.example.*'],
      ['www.example.*', 'www.*'],
    ]) {
      const vhosts = rc(domains.map((d) => ({ name: d, domains: [d], routes: [] })));
      expect(evaluateRoute(vhosts, { host: 'www.example.org', path: '/' }).virtualHost).toBe('www.example.*');
    }
  });

  it('matches regular expressions against the whole path without the query', () => {
    expect(cluster('other.org', '/r/12?x=1')).toBe('regex');
    expect(cluster('other.org', '/r/12/x')).toBe(404);
  });

  it('applies invertMatch and presentMatch', () => {
    expect(cluster('other.org', '/inv', { x: '2' })).toBe('inv');
    expect(cluster('other.org', '/inv')).toBe('inv');
    expect(cluster('other.org', '/inv', { x: '1' })).toBe('present');
  });

  it('reports direct responses', () => {
    expect(cluster('other.org', '/teapot')).toBe(418);
  });

  it('answers with clusterNotFoundResponseCode for clusters that do not exist', () => {
    const c = rc([
      {
        name: 'vh',
        domains: ['*'],
        routes: [
          {
            name: 'r',
            match: { prefix: '/' },
            route: { cluster: 'gone', clusterNotFoundResponseCode: 'INTERNAL_SERVER_ERROR' },
          },
        ],
      },
    ]);
    expect(evaluateRoute(c, { host: 'h', path: '/' }, { clusters: ['other'] }).status).toBe(500);
    expect(evaluateRoute(c, { host: 'h', path: '/' }, { clusters: ['gone'] }).status).toBeUndefined();
  });

  it('applies header mutations from the weighted cluster, route, virtual host and configuration in order', () => {
    const add = (key: string, value: string, appendAction = 'OVERWRITE_IF_EXISTS_OR_ADD') => ({
      header: { key, value },
      appendAction,
    });
    const c: JsonObject = {
      name: 'rc',
      requestHeadersToAdd: [add('x-level', 'config')],
      virtualHosts: [
        {
          name: 'vh',
          domains: ['*'],
          requestHeadersToAdd: [add('x-vh', 'vh')],
          routes: [
            {
              name: 'r',
              match: { prefix: '/' },
              requestHeadersToAdd: [add('x-level', 'route'), add('x-list', 'b', 'APPEND_IF_EXISTS_OR_ADD')],
              requestHeadersToRemove: ['x-drop'],
              route: {
                weightedClusters: {
                  clusters: [{ name: 'c', weight: 1, requestHeadersToAdd: [add('x-level', 'cluster')] }],
                },
              },
            },
          ],
        },
      ],
    };
    const o = evaluateRoute(c, { host: 'h', path: '/', headers: { 'X-List': 'a', 'x-drop': '1' } });
    expect(o.action.type === 'route' && o.action.clusters[0]?.requestHeaders).toEqual({
      'x-level': 'config',
      'x-list': 'a,b',
      'x-vh': 'vh',
    });
  });
});
