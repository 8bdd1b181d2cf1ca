// ADS clients standing in for the proxies of a fleet of EPIC gateways (bench/xds-api.ts, sustained phase).
// argv: <xds port> <node id>,<node id>,… Each stream subscribes to every RouteConfiguration (wildcard) and ACKs
// every response, so each revision of each gateway gets its ACK. Prints "ready" once every stream has its first
// response; runs until stdin closes, then prints the number of ACKs sent.
import * as grpc from '@grpc/grpc-js';
import { ROUTE } from '@epic/envoy-proto';
import { adsServiceDefinition, type DiscoveryRequest, type DiscoveryResponse } from '@epic/xds-server';

const [port, nodeList] = process.argv.slice(2);
const nodes = nodeList!.split(',');
const Ctor = grpc.makeGenericClientConstructor(
  adsServiceDefinition() as unknown as grpc.ServiceDefinition,
  'ADS',
);
const clients = Array.from(
  { length: 4 },
  () =>
    new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }),
) as unknown as Record<
  string,
  (md: grpc.Metadata) => grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>
>[];
let initialised = 0;
let acks = 0;
const calls = nodes.map((id, g) => {
  const call = clients[g % clients.length]!.StreamAggregatedResources!(new grpc.Metadata());
  let first = true;
  call.on('data', (r: DiscoveryResponse) => {
    call.write({
      type_url: r.type_url,
      version_info: r.version_info,
      response_nonce: r.nonce,
      resource_names: ['*'],
    } as DiscoveryRequest);
    acks += 1;
    if (first && ++initialised === nodes.length) process.stdout.write(`ready ${nodes.length}\n`);
    first = false;
  });
  call.on('error', () => undefined);
  call.write({
    type_url: ROUTE,
    resource_names: ['*'],
    version_info: '',
    response_nonce: '',
    node: { id, cluster: id.split('.')[0] },
  } as unknown as DiscoveryRequest);
  return call;
});
process.stdin.resume();
process.stdin.on('end', () => {
  process.stdout.write(`acks ${acks}\n`);
  for (const c of calls) c.cancel();
  process.exit(0);
});
