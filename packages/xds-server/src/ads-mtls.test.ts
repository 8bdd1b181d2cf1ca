import * as grpc from '@grpc/grpc-js';
import { CLUSTER } from '@epic/envoy-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyOf, bearerTokenAuthenticator, mtlsAuthenticator } from './authenticate.js';
import { SnapshotCache } from './snapshot-cache.js';
import { AdsTestClient } from './test-support/ads-client.js';
import { grpcSnapshot } from './test-support/grpc-fixtures.js';
import { type Pki, createPki } from './test-support/test-pki.js';
import { XdsServer } from './xds-server.js';

describe('ADS over mTLS (per-account CA, gateway identity in the client certificate)', () => {
  let pki: Pki;
  let server: XdsServer;
  let port: number;
  const cache = new SnapshotCache();
  const clients: AdsTestClient[] = [];

  const clientFor = (account: string, gateway: string): AdsTestClient => {
    const { cert, key } = pki.client(account, gateway);
    const c = new AdsTestClient(port, grpc.credentials.createSsl(pki.ca, key, cert));
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    pki = createPki();
    cache.setSnapshot(
      'acme.shop',
      grpcSnapshot('v1', {
        listener: 'shop',
        routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }],
        clusters: { c: [9001] },
      }),
    );
    server = new XdsServer({
      cache,
      authenticate: anyOf(
        mtlsAuthenticator(),
        bearerTokenAuthenticator(() => undefined),
      ),
    });
    port = await server.listen(
      '127.0.0.1:0',
      grpc.ServerCredentials.createSsl(
        pki.ca,
        [{ cert_chain: pki.server.cert, private_key: pki.server.key }],
        true,
      ),
    );
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await server?.close(1000);
    pki?.cleanup();
  });

  it('serves the node named by the client certificate', async () => {
    const s = clientFor('acme', 'shop').sotw();
    s.send({ node: { id: 'acme.shop', cluster: 'acme' }, type_url: CLUSTER, resource_names: [] });
    expect((await s.next()).version_info).toBe('v1');
    s.close();
  });

  it("refuses a certificate of another gateway that claims this gateway's node id", async () => {
    const s = clientFor('acme', 'other').sotw();
    s.send({ node: { id: 'acme.shop', cluster: 'acme' }, type_url: CLUSTER, resource_names: [] });
    const status = await s.ended();
    expect(status.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(status.details).toMatch(/acme\.other/);
  });
});
