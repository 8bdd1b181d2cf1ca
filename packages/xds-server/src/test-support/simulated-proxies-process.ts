// Many ADS clients in one process, standing in for the proxies of a fleet of gateways (used by bench/xds.ts).
// argv: <xds port> <count>. Gateway g is node `acct<g % 500>.gw<g>` with route configuration `gw<g>-routes` and
// clusters `gw<g>-svc-0..2` (the bench's naming). Every response is ACKed. Prints "ready" once every stream has
// received its four types; runs until stdin closes.
import * as grpc from '@grpc/grpc-js';
import { CLUSTER, ENDPOINT, LISTENER, ROUTE } from '@epic/envoy-proto';
import type { DiscoveryRequest, DiscoveryResponse } from '../discovery-codec.js';
import { adsServiceDefinition } from '../discovery-codec.js';

const [port, countArg] = process.argv.slice(2);
const count = Number(countArg);
const Ctor = grpc.makeGenericClientConstructor(
  adsServiceDefinition() as unknown as grpc.ServiceDefinition,
  'ADS',
);
// Several connections, as a fleet would have; one HTTP/2 connection per client thanks to a local subchannel pool.
const clients = Array.from(
  { length: 8 },
  () =>
    new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }),
) as unknown as Record<
  string,
  (md: grpc.Metadata) => grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>
>[];

let initialised = 0;
let acks = 0;
const calls: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>[] = [];
for (let g = 0; g < count; g++) {
  const names: Record<string, string[]> = {
    [CLUSTER]: [],
    [ENDPOINT]: [0, 1, 2].map((i) => `gw${g}-svc-${i}`),
    [LISTENER]: [],
    [ROUTE]: [`gw${g}-routes`],
  };
  const call = clients[g % clients.length]!.StreamAggregatedResources!(new grpc.Metadata());
  calls.push(call);
  const seen = new Set<string>();
  call.on('data', (r: DiscoveryResponse) => {
    call.write({
      type_url: r.type_url,
      version_info: r.version_info,
      response_nonce: r.nonce,
      resource_names: names[r.type_url] ?? [],
    } as DiscoveryRequest);
    acks += 1;
    if (!seen.has(r.type_url)) {
      seen.add(r.type_url);
      if (seen.size === 4 && ++initialised === count) process.stdout.write(`ready ${count}\n`);
    }
  });
  call.on('error', () => undefined);
  let first = true;
  for (const typeUrl of [CLUSTER, ENDPOINT, LISTENER, ROUTE]) {
    const req = {
      type_url: typeUrl,
      resource_names: names[typeUrl]!,
      version_info: '',
      response_nonce: '',
    } as Partial<DiscoveryRequest>;
    if (first) req.node = { id: `acct${g % 500}.gw${g}`, cluster: `acct${g % 500}` };
    first = false;
    call.write(req as DiscoveryRequest);
  }
}

process.stdin.resume();
process.stdin.on('end', () => {
  process.stderr.write(`simulated proxies: ${acks} ACKs sent\n`);
  for (const c of calls) c.cancel();
  process.exit(0);
});
