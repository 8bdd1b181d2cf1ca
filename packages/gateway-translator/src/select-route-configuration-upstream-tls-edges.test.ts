import { describe, expect, it } from 'vitest';
import type { BackendTlsPolicyInput, TranslateInput } from './input.js';
import { Secret } from './secret.js';
import { traceRequest, type UpstreamTlsOutcome } from './select-route-configuration.js';
import { translate } from './translate.js';
import type { EnvoyResources } from './translate-ir.js';

// The upstream TLS a request trace shows for a cluster a BackendTLSPolicy applies to, read back from the
// rendered clusters (SNI, trust store, SANs, client certificate), and a cluster without TLS showing none.

const CA = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----';

function input(validation: BackendTlsPolicyInput['spec']['validation'], clientCert = false): TranslateInput {
  const policy: BackendTlsPolicyInput = {
    id: 'p',
    namespace: 'ns',
    name: 'p',
    generation: 1,
    spec: { targetRefs: [{ group: '', kind: 'Service', name: 'svc' }], validation },
  };
  return {
    gateway: {
      id: 'g1',
      accountId: 'a1',
      name: 'gw',
      namespace: 'ns',
      address: '192.0.2.1',
      generation: 1,
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
      ],
      ...(clientCert ? { tls: { backend: { clientCertificateRef: { name: 'client' } } } } : {}),
    },
    routes: [
      {
        id: 'r1',
        kind: 'HTTPRoute',
        namespace: 'ns',
        name: 'r1',
        generation: 1,
        spec: {
          parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }],
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/tls' } }],
              backendRefs: [{ group: '', kind: 'Service', name: 'svc', port: 443, weight: 1 }],
            },
            {
              matches: [{ path: { type: 'PathPrefix', value: '/plain' } }],
              backendRefs: [{ group: '', kind: 'Service', name: 'plain', port: 80, weight: 1 }],
            },
          ],
        },
      },
    ],
    referenceGrants: [],
    services: [
      { namespace: 'ns', name: 'svc', ports: [{ name: 'https', port: 443 }], endpoints: [] },
      { namespace: 'ns', name: 'plain', ports: [{ name: 'http', port: 80 }], endpoints: [] },
    ],
    certificates: clientCert
      ? [{ namespace: 'ns', name: 'client', id: 'c1', certificatePem: CA, privateKey: new Secret('k') }]
      : [],
    namespaces: [],
    caBundles: [{ kind: 'ConfigMap', namespace: 'ns', name: 'ca', caCertificatePem: CA }],
    backendTlsPolicies: [policy],
  } as TranslateInput;
}

function upstream(i: TranslateInput, path = '/tls') {
  const resources = translate(i).resources as EnvoyResources;
  expect(resources).toBeDefined();
  const t = traceRequest(resources, { port: 80, host: 'example.com', path });
  expect(t.connection).toBe('accepted');
  if (t.connection !== 'accepted') return undefined;
  const action = t.outcome.action;
  expect(action.type).toBe('route');
  if (action.type !== 'route') return undefined;
  expect(action.clusters).toHaveLength(1);
  // traceRequest adds upstreamTls to a cluster outcome when the cluster connects with TLS.
  return action.clusters[0] as
    ((typeof action.clusters)[number] & { upstreamTls?: UpstreamTlsOutcome }) | undefined;
}

describe('traceRequest: upstream TLS of the chosen cluster', () => {
  it('shows inline CAs, the SNI, the hostname SAN and no client certificate', () => {
    const c = upstream(
      input({
        caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }],
        hostname: 'svc.example.com',
      }),
    );
    expect(c?.upstreamTls).toEqual({
      sni: 'svc.example.com',
      trustedCa: 'inline',
      subjectAltNames: ['DNS:svc.example.com'],
      clientCertificate: false,
    });
  });

  it('shows the system trust store, URI and wildcard SANs, and the client certificate', () => {
    const c = upstream(
      input(
        {
          wellKnownCACertificates: 'System',
          hostname: 'svc.example.com',
          subjectAltNames: [
            { type: 'URI', uri: 'spiffe://cluster/ns/svc' },
            { type: 'Hostname', hostname: '*.example.com' },
          ],
        },
        true,
      ),
    );
    expect(c?.upstreamTls?.sni).toBe('svc.example.com');
    expect(c?.upstreamTls?.trustedCa).toBe('system');
    expect(c?.upstreamTls?.clientCertificate).toBe(true);
    // A wildcard is rendered as a safe_regex matcher (one label); the trace shows that regex.
    expect(c?.upstreamTls?.subjectAltNames).toEqual([
      'URI:spiffe://cluster/ns/svc',
      'DNS:^[^.]+\\.example\\.com$',
    ]);
  });

  it('shows no upstream TLS for a cluster no policy applies to', () => {
    const c = upstream(
      input({
        caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }],
        hostname: 'svc.example.com',
      }),
      '/plain',
    );
    expect(c?.name).toBe('service/ns/plain/80');
    expect(c).not.toHaveProperty('upstreamTls');
  });
});
