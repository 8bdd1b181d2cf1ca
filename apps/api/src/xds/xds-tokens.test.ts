// Per-gateway xDS tokens through the API's xDS plane, with a plain grpc-js ADS client (grpc-js-xds cannot send
// call credentials, so its tests trust the claimed node id; this suite covers what the tokens enforce).
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LISTENER } from '@epic/envoy-proto';
import { AdsTestClient, namesOf } from '@epic/xds-server/test-support';
import { createReconciler } from '../reconciler/reconciler.js';
import { auth, createAccount, testEnv, type TestEnv } from '../test-support/harness.js';
import { startXdsPlane, type XdsPlane } from './publisher.js';
import { gatewayIdOfNode, xdsTokenFor } from './tokens.js';

const log = pino({ level: 'silent' });
const secretKey = randomBytes(32);
let env: TestEnv;
let plane: XdsPlane;
let client: AdsTestClient;
let shop: string;
let blog: string;

beforeAll(async () => {
  env = await testEnv();
  const { key } = await createAccount(env, 'tok');
  const api = (url: string, payload: object) =>
    env.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: auth(key), payload });
  await api('/address-pools', { name: 'pub', spec: '10.82.0.0/28' });
  await api('/templates', { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com' });
  const gateway = async (name: string) =>
    (
      await api('/gateways', {
        name,
        template: 'gw',
        listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
      })
    ).json().id as string;
  shop = await gateway('shop');
  blog = await gateway('blog');
  await api('/routes', {
    kind: 'GRPCRoute',
    name: 'echo',
    spec: {
      parentRefs: [{ name: 'shop' }],
      hostnames: ['echo.example.com'],
      rules: [{ backendRefs: [{ name: 'echo', port: 9000 }] }],
    },
  });
  await createReconciler({ db: env.db, databaseUrl: env.url, log, resyncSeconds: 3600 }).drain();
  plane = await startXdsPlane({ db: env.db, databaseUrl: env.url, log, secretKey, address: '127.0.0.1:0' });
  client = new AdsTestClient(plane.port);
});
afterAll(async () => {
  client?.close();
  await plane?.close();
  await env?.close();
});

const subscribe = (nodeId: string, token: string) => {
  const s = client.sotw(token);
  s.send({ node: { id: nodeId, cluster: 'tok' }, type_url: LISTENER, resource_names: [] });
  return s;
};

describe('xDS tokens of the API', () => {
  it("refuses a stream that presents another gateway's token", async () => {
    const s = subscribe(`tok.${shop}`, xdsTokenFor(secretKey, `tok.${blog}`));
    const status = await s.ended();
    expect(status.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(status.details).toContain(`tok.${shop}`);
  });

  it("refuses the proxyless node id of another gateway with this gateway's token", async () => {
    const s = subscribe(`tok.${blog}.grpc`, xdsTokenFor(secretKey, `tok.${shop}`));
    expect((await s.ended()).code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it("admits a gateway's token for its proxyless node id, which receives api listeners named by host", async () => {
    const s = subscribe(`tok.${shop}.grpc`, xdsTokenFor(secretKey, `tok.${shop}`));
    const response = await s.next();
    expect(namesOf(response).sort()).toEqual(['echo.example.com', 'echo.example.com:80']);
    s.call.cancel();
  });

  it('admits the Envoy node id with its own token, which receives the socket listener', async () => {
    const s = subscribe(`tok.${shop}`, xdsTokenFor(secretKey, `tok.${shop}`));
    expect(namesOf(await s.next())).toEqual(['listener/80']);
    s.call.cancel();
  });

  it('maps both node ids of a gateway to the gateway, and nothing else', () => {
    expect(gatewayIdOfNode(`tok.${shop}`)).toBe(shop);
    expect(gatewayIdOfNode(`tok.${shop}.grpc`)).toBe(shop);
    expect(gatewayIdOfNode(`tok.${shop}.other`)).toBeUndefined();
    expect(gatewayIdOfNode('nodot')).toBeUndefined();
  });
});
