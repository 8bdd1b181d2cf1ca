import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { traceRequest } from './select-route-configuration.js';
import { translate } from './translate.js';
import { parseFixture } from './test-support/fixture.js';

// What the trace says about the connection beyond the route: the chain's HTTP filters, its stance on client
// certificates, and the endpoints behind each cluster (golden outputs show the route outcome only).

const testdata = join(dirname(fileURLToPath(import.meta.url)), '..', 'testdata');
const rendered = (name: string) => {
  const resources = translate(
    parseFixture(parse(readFileSync(join(testdata, `${name}.in.yaml`), 'utf8'))).input,
  ).resources;
  if (resources === undefined) throw new Error(`${name} does not render`);
  return resources;
};

describe('traceRequest: the connection', () => {
  it('lists the HTTP filters of the chosen chain in order: CORS before the router', () => {
    const t = traceRequest(rendered('httproute-cors'), { port: 80, host: 'example.com', path: '/cors' });
    expect(t).toMatchObject({
      connection: 'accepted',
      clientCertificate: 'notRequested',
      httpFilters: ['envoy.filters.http.cors', 'envoy.filters.http.router'],
    });
  });

  it('shows the endpoints behind every cluster', () => {
    const t = traceRequest(rendered('httproute-cors'), { port: 80, host: 'example.com', path: '/cors' });
    if (t.connection !== 'accepted' || t.outcome.action.type !== 'route') throw new Error('not routed');
    expect(t.outcome.action.clusters.map((c) => c.endpoints)).toEqual([
      [{ address: '10.1.1.1', port: 3000, healthStatus: 'HEALTHY' }],
    ]);
  });

  it('refuses the handshake of an AllowValidOnly chain without a valid certificate, naming the chain', () => {
    const rs = rendered('gateway-frontend-client-certificate-validation');
    const base = { port: 443, scheme: 'https' as const, host: 'example.org', path: '/' };
    expect(traceRequest(rs, base)).toMatchObject({
      connection: 'refused',
      reason: 'ClientCertificateRequired',
      clientCertificate: 'required',
    });
    expect(traceRequest(rs, { ...base, clientCertificate: 'untrusted' })).toMatchObject({
      connection: 'refused',
      reason: 'ClientCertificateUntrusted',
    });
    expect(traceRequest(rs, { ...base, clientCertificate: 'valid' })).toMatchObject({
      connection: 'accepted',
      clientCertificate: 'required',
    });
  });

  it('lets an untrusted certificate through AllowInsecureFallback', () => {
    const rs = rendered('gateway-frontend-client-certificate-validation-insecure-fallback');
    const base = { port: 443, scheme: 'https' as const, host: 'example.org', path: '/' };
    expect(traceRequest(rs, { ...base, clientCertificate: 'untrusted' })).toMatchObject({
      connection: 'accepted',
      clientCertificate: 'optional',
    });
    expect(traceRequest(rs, base)).toMatchObject({ connection: 'accepted', clientCertificate: 'optional' });
  });
});
