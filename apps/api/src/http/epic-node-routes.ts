import { z } from 'zod';
import {
  createEpicNodeInput,
  drainEpicNodeInput,
  nodeName,
  proxyReportInput,
  registerEpicNodeInput,
} from '../modules/epic-nodes.js';
import type { Services } from '../services.js';
import type { RestRoute } from './rest.js';
import { listOf, named } from './schemas/outputs.js';

const dateTime = z.date();
const NodeBgpPeer = named(
  'NodeBgpPeer',
  z.strictObject({ address: z.string(), asn: z.number(), port: z.number().int().optional() }),
);
const NodeBgpSettings = named(
  'NodeBgpSettings',
  z.strictObject({ asn: z.number(), routerId: z.string(), peers: z.array(NodeBgpPeer) }),
  "the node's own ASN and router id, and the peers its gobgpd dials",
);
const EpicNode = named(
  'EpicNode',
  z.strictObject({
    name: z.string(),
    addresses: z.array(z.string()).describe('the first is the GUE tunnel endpoint'),
    bgp: NodeBgpSettings.optional(),
    draining: z.boolean().describe('while true the node withdraws every route'),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
  'an EPIC node: a host of the EPIC cluster that runs Envoys, gobgpd and the node agent',
);
const EpicNodeWithToken = named(
  'EpicNodeWithToken',
  z.strictObject({
    node: EpicNode,
    token: z.string().describe('the node credential (`epicnode_…`): shown once, store it in the node agent'),
  }),
);
const EpicNodeList = listOf('EpicNodeList', EpicNode);
const ListenerPort = named(
  'NodeListenerPort',
  z.strictObject({ port: z.number().int(), protocol: z.enum(['TCP', 'UDP']) }),
);
const DesiredTunnel = named(
  'NodeDesiredTunnel',
  z.strictObject({
    tunnelId: z.number().int(),
    clientNode: z.string(),
    localAddress: z.string(),
    localPort: z.number().int(),
    remoteAddress: z.string().nullable(),
    remotePort: z.number().int().nullable(),
    key: z.string().describe("the tunnel's keep-alive HMAC key (hex); only its EPIC node reads it"),
  }),
);
const ProxyAck = named(
  'NodeProxyAck',
  z.strictObject({
    podName: z.string(),
    revision: z.number().int().nullable().describe('the revision this proxy ACKed over xDS; null while none'),
  }),
);
const DesiredGateway = named(
  'NodeDesiredGateway',
  z.strictObject({
    gatewayId: z.uuid(),
    addresses: z.array(z.string()),
    advertise: z.array(z.strictObject({ prefix: z.string() })).describe('the host routes to announce'),
    ports: z.array(ListenerPort),
    revision: z
      .number()
      .int()
      .describe('the revision a local proxy must have ACKed before the node announces; 0 while none'),
    ackedRevision: z
      .number()
      .int()
      .nullable()
      .describe("the newest revision a proxy of the gateway ACKed over the API's xDS; null while none"),
    proxyAcks: z
      .array(ProxyAck)
      .describe(
        "this node's proxies of the gateway and the revision each ACKed over the API's xDS (its own stream); the node announces only for those",
      ),
    tunnels: z.array(DesiredTunnel),
  }),
);
const NodeDesiredState = named(
  'NodeDesiredState',
  z.strictObject({ node: z.string(), draining: z.boolean(), gateways: z.array(DesiredGateway) }),
  'what an EPIC node must program: the gateways with proxies on it',
);
const GatewayProxy = named(
  'GatewayProxy',
  z.strictObject({
    podName: z.string(),
    node: z.string().nullable().describe("the EPIC node's name; null until a node reports the pod"),
    ready: z.boolean().describe('the proxy passes its readiness check, as its EPIC node reports it'),
    podReady: z
      .boolean()
      .nullable()
      .describe(
        "the pod's Ready condition in the EPIC cluster; null while the provisioner does not see the pod",
      ),
    xdsConnected: z.boolean(),
    ackedVersion: z.number().int().nullable().describe('the revision the proxy ACKed'),
    updatedAt: dateTime,
  }),
  "one Envoy of a gateway, as its tenant sees it (never the node's addresses or BGP settings)",
);
const GatewayProxyList = listOf('GatewayProxyList', GatewayProxy);

const name = { name: nodeName };

/** EPIC nodes (platform admins, and each node's agent for its own node) and the tenants' view of proxies. */
export function epicNodeRoutes(s: Services): RestRoute[] {
  return [
    {
      method: 'POST',
      path: '/epic-nodes',
      response: EpicNodeWithToken,
      graphql: { name: 'createEpicNode' },
      tag: 'epic-nodes',
      summary: 'Create an EPIC node and its node credential, shown once (platform admins)',
      body: createEpicNodeInput,
      status: 201,
      handler: ({ meta, body }) => s.epicNodes.create(meta, body),
    },
    {
      method: 'GET',
      path: '/epic-nodes',
      response: EpicNodeList,
      graphql: { name: 'epicNodes' },
      tag: 'epic-nodes',
      summary: 'List the EPIC nodes (platform operators)',
      handler: ({ meta }) => s.epicNodes.list(meta),
    },
    {
      method: 'GET',
      path: '/epic-nodes/:name',
      params: name,
      response: EpicNode,
      graphql: { name: 'epicNode' },
      tag: 'epic-nodes',
      summary: 'Get an EPIC node (platform operators)',
      handler: ({ meta, params }) => s.epicNodes.get(meta, params.name!),
    },
    {
      method: 'DELETE',
      path: '/epic-nodes/:name',
      params: name,
      graphql: { name: 'deleteEpicNode' },
      tag: 'epic-nodes',
      summary: 'Delete an EPIC node: its credential, tunnels and proxy records go with it (platform admins)',
      status: 204,
      handler: ({ meta, params }) => s.epicNodes.remove(meta, params.name!),
    },
    {
      method: 'POST',
      path: '/epic-nodes/:name/drain',
      params: name,
      response: EpicNode,
      graphql: { name: 'drainEpicNode' },
      tag: 'epic-nodes',
      summary: 'Drain an EPIC node (it withdraws every route), or end the drain with draining: false',
      body: drainEpicNodeInput,
      handler: ({ meta, params, body }) => s.epicNodes.drain(meta, params.name!, body),
    },
    {
      method: 'PUT',
      path: '/epic-nodes/:name',
      params: name,
      node: true,
      response: EpicNode,
      graphql: { name: 'registerEpicNode' },
      tag: 'epic-nodes',
      summary: "The node agent registers its node's addresses and BGP settings (node credential)",
      body: registerEpicNodeInput,
      handler: ({ meta, params, body }) => s.epicNodes.register(meta, params.name!, body),
    },
    {
      method: 'GET',
      path: '/epic-nodes/:name/desired',
      params: name,
      node: true,
      response: NodeDesiredState,
      graphql: { name: 'epicNodeDesiredState' },
      tag: 'epic-nodes',
      summary:
        'What the node must program: gateways with proxies on it, their addresses, prefixes, ports, revision and tunnels (node credential)',
      handler: ({ meta, params }) => s.epicNodes.desired(meta, params.name!),
    },
    {
      method: 'PUT',
      path: '/epic-nodes/:name/proxies',
      params: name,
      node: true,
      graphql: { name: 'reportEpicNodeProxies' },
      tag: 'epic-nodes',
      summary:
        "The node's local proxies (pod, veth ifindex, readiness, acked revision); the node's rows the report omits are removed (node credential)",
      body: proxyReportInput,
      status: 204,
      handler: ({ meta, params, body }) => s.epicNodes.report(meta, params.name!, body),
    },
    {
      method: 'POST',
      path: '/epic-nodes/:name/sync',
      params: name,
      node: true,
      response: NodeDesiredState,
      graphql: { name: 'syncEpicNode' },
      tag: 'epic-nodes',
      summary:
        "The node agent's round in one call: report its proxies (as PUT …/proxies), then read what it must program (as GET …/desired) (node credential)",
      body: proxyReportInput,
      handler: ({ meta, params, body }) => s.epicNodes.sync(meta, params.name!, body),
    },
    {
      method: 'GET',
      path: '/gateways/:id/proxies',
      response: GatewayProxyList,
      graphql: { name: 'gatewayProxies', args: { id: 'gatewayId' } },
      tag: 'gateways',
      summary: "The gateway's Envoy proxies: pod, node name, readiness, acked revision",
      handler: ({ meta, params }) => s.epicNodes.gatewayProxies(meta, params.id!),
    },
  ];
}
