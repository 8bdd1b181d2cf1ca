import { z } from 'zod';
import { requireRole, tenant } from '../auth/principal.js';
import type { Tx } from '../db/client.js';
import { AppError } from '../lib/errors.js';
import { pageArgs, pageOf } from '../lib/cursor.js';
import { parseAddress } from '../lib/ip.js';
import { parseInput } from '../lib/validate.js';
import {
  audit,
  clientUid,
  dnsLabel,
  dnsSubdomain,
  enqueueReconcile,
  json,
  pageQuery,
  uuid,
  type CallMeta,
  type ServiceDeps,
} from './common.js';

const ipAddress = z
  .string()
  .max(45)
  .refine((s) => parseAddress(s) !== undefined, 'must be an IPv4 or IPv6 address');
const port = z.number().int().min(1).max(65535);

// Kubernetes bounds a slice at 1,000 endpoints of up to 100 addresses; each endpoint is rendered once per
// port, so the addresses of a whole slice are bounded too (one per pod is what the EndpointSlice controller
// writes). A node carries many endpoints, so a slice never names more nodes than it has endpoints.
const MAX_ENDPOINTS = 1000;
const MAX_SLICE_ADDRESSES = 1000;
const MAX_NODE_ADDRESSES = MAX_ENDPOINTS;

/** discovery.k8s.io/v1 EndpointSlice, the parts EPIC uses. */
export const endpointPortSchema = z.strictObject({
  name: z.string().max(63).optional(),
  port,
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).default('TCP'),
  appProtocol: z.string().max(253).optional(),
});
export const endpointSchema = z.strictObject({
  addresses: z.array(ipAddress).min(1).max(100),
  conditions: z
    .strictObject({
      ready: z.boolean().optional(),
      serving: z.boolean().optional(),
      terminating: z.boolean().optional(),
    })
    .default({}),
  nodeName: dnsSubdomain.optional(),
  zone: z.string().max(253).optional(),
});
export const upsertEndpointSliceInput = z
  .strictObject({
    clusterId: uuid,
    clientUid,
    namespace: dnsLabel,
    name: dnsSubdomain,
    serviceName: dnsLabel,
    addressType: z.enum(['IPv4', 'IPv6']).default('IPv4'),
    ports: z.array(endpointPortSchema).max(100).default([]),
    endpoints: z.array(endpointSchema).max(MAX_ENDPOINTS).default([]),
    nodeAddresses: z
      .record(dnsSubdomain, ipAddress)
      .refine((m) => Object.keys(m).length <= MAX_NODE_ADDRESSES, {
        message: `must name at most ${MAX_NODE_ADDRESSES} nodes`,
        abort: true,
      })
      .default({})
      .describe('workload node name → address that carries its tunnels'),
  })
  .superRefine((v, ctx) => {
    const addresses = v.endpoints.reduce((n, e) => n + e.addresses.length, 0);
    if (addresses > MAX_SLICE_ADDRESSES)
      ctx.addIssue({
        code: 'custom',
        path: ['endpoints'],
        message: `must hold at most ${MAX_SLICE_ADDRESSES} addresses in all (has ${addresses})`,
      });
    const family = v.addressType === 'IPv4' ? 'ipv4' : 'ipv6';
    v.endpoints.forEach((e, i) =>
      e.addresses.forEach((a, j) => {
        if (parseAddress(a)?.family !== family) {
          ctx.addIssue({
            code: 'custom',
            path: ['endpoints', i, 'addresses', j],
            message: `must be an ${v.addressType} address (addressType)`,
          });
        }
      }),
    );
  });
export const staticEndpointsInput = z.strictObject({
  ports: z.array(endpointPortSchema).min(1).max(100),
  endpoints: z
    .array(
      z.strictObject({
        address: ipAddress,
        ready: z.boolean().default(true),
        nodeName: dnsSubdomain.optional(),
      }),
    )
    .max(1000),
});
export const listEndpointSlicesQuery = pageQuery.extend({
  namespace: dnsLabel.optional(),
  serviceName: dnsLabel.optional(),
  clusterId: uuid.optional(),
  static: z.enum(['true', 'false']).optional(),
});

const view = {
  id: true,
  clusterId: true,
  clientUid: true,
  namespace: true,
  name: true,
  serviceName: true,
  addressType: true,
  static: true,
  ports: true,
  endpoints: true,
  nodeAddresses: true,
  generation: true,
  createdAt: true,
  updatedAt: true,
} as const;

/** Gateways whose routes send traffic to the service: they re-render (endpoints only, once xDS lands). */
async function gatewaysUsingService(
  tx: Tx,
  accountId: string,
  namespace: string,
  serviceName: string,
): Promise<string[]> {
  const rows = await tx.$queryRaw<Array<{ gatewayId: string }>>`
    SELECT DISTINCT rp."gatewayId" FROM "Route" r JOIN "RouteParent" rp ON rp."routeId" = r.id
    WHERE r."accountId" = ${accountId}::uuid
      AND jsonb_path_exists(r.spec, '$.rules[*].backendRefs[*] ? (@.name == $svc)', jsonb_build_object('svc', ${serviceName}::text))
      AND (r.namespace = ${namespace} OR jsonb_path_exists(r.spec, '$.rules[*].backendRefs[*] ? (@.namespace == $ns)', jsonb_build_object('ns', ${namespace}::text)))`;
  return rows.map((r) => r.gatewayId);
}

export function endpointsService({ db }: ServiceDeps) {
  async function get(meta: CallMeta, id: string) {
    parseInput(uuid, id, 'id');
    const e = await db.endpointSlice.findFirst({ where: { ...tenant(meta.principal), id }, select: view });
    if (!e) throw AppError.notFound('endpoint slice', id);
    return e;
  }
  async function write(
    meta: CallMeta,
    key: string,
    data: {
      clusterId: string | null;
      namespace: string;
      name: string;
      serviceName: string;
      addressType: string;
      static: boolean;
      ports: unknown;
      endpoints: unknown;
      nodeAddresses: unknown;
    },
  ) {
    const p = meta.principal;
    return db.$transaction(async (tx) => {
      if (data.clusterId && !(await tx.cluster.findFirst({ where: { ...tenant(p), id: data.clusterId } }))) {
        throw AppError.field('clusterId', `cluster ${data.clusterId} not found`);
      }
      const prior = await tx.endpointSlice.findUnique({
        where: { accountId_clientUid: { accountId: p.accountId, clientUid: key } },
      });
      if (prior && (prior.static !== data.static || prior.clusterId !== data.clusterId)) {
        throw AppError.field(
          'clientUid',
          `endpoint slice ${key} belongs to ${prior.static ? 'the static endpoints' : `cluster ${prior.clusterId ?? 'none'}`}`,
        );
      }
      const fields = {
        ports: json(data.ports),
        endpoints: json(data.endpoints),
        nodeAddresses: json(data.nodeAddresses),
      };
      const row = prior
        ? await tx.endpointSlice.update({
            where: { id: prior.id },
            data: {
              ...fields,
              serviceName: data.serviceName,
              addressType: data.addressType,
              generation: { increment: 1 },
            },
          })
        : await tx.endpointSlice.create({
            data: {
              ...tenant(p),
              clientUid: key,
              clusterId: data.clusterId,
              namespace: data.namespace,
              name: data.name,
              serviceName: data.serviceName,
              addressType: data.addressType,
              static: data.static,
              ...fields,
            },
          });
      // An update keeps the slice's namespace and name (a uid names one object), and may move it to another
      // service: the gateways of the service it left re-render too. The audit names what is stored.
      const affected = await gatewaysUsingService(tx, p.accountId, row.namespace, row.serviceName);
      if (prior && prior.serviceName !== row.serviceName)
        affected.push(...(await gatewaysUsingService(tx, p.accountId, prior.namespace, prior.serviceName)));
      await enqueueReconcile(tx, affected);
      await audit(
        tx,
        meta,
        prior ? 'endpointslice.update' : 'endpointslice.create',
        'EndpointSlice',
        row.id,
        { namespace: row.namespace, name: row.name },
      );
      return { id: row.id, created: !prior };
    });
  }
  async function removeWhere(meta: CallMeta, where: Record<string, unknown>, what: string) {
    requireRole(meta.principal, 'admin');
    await db.$transaction(async (tx) => {
      const found = await tx.endpointSlice.findFirst({ where: { ...tenant(meta.principal), ...where } });
      if (!found) throw AppError.notFound('endpoint slice', what);
      await tx.endpointSlice.delete({ where: { id: found.id } });
      await enqueueReconcile(
        tx,
        await gatewaysUsingService(tx, meta.principal.accountId, found.namespace, found.serviceName),
      );
      await audit(tx, meta, 'endpointslice.delete', 'EndpointSlice', found.id, {
        namespace: found.namespace,
        name: found.name,
      });
    });
  }

  return {
    get,
    /** Creates or updates the slice with the same client uid. */
    async upsert(meta: CallMeta, input: unknown) {
      requireRole(meta.principal, 'admin');
      const d = parseInput(upsertEndpointSliceInput, input);
      const r = await write(meta, d.clientUid, { ...d, static: false });
      return { endpointSlice: await get(meta, r.id), created: r.created };
    },
    async list(meta: CallMeta, query: unknown) {
      const q = parseInput(listEndpointSlicesQuery, query);
      const page = pageArgs(q.cursor, q.limit);
      const where: Record<string, unknown> = { ...tenant(meta.principal), ...page.where };
      if (q.namespace) where.namespace = q.namespace;
      if (q.serviceName) where.serviceName = q.serviceName;
      if (q.clusterId) where.clusterId = q.clusterId;
      if (q.static) where.static = q.static === 'true';
      const rows = await db.endpointSlice.findMany({
        where,
        select: view,
        orderBy: page.orderBy,
        take: page.take,
      });
      return pageOf(rows, q.limit);
    },
    remove: (meta: CallMeta, id: string) => {
      parseInput(uuid, id, 'id');
      return removeWhere(meta, { id }, id);
    },
    /** Static endpoints: backends outside Kubernetes, set through the API as one slice per service. */
    async setStatic(meta: CallMeta, namespace: string, service: string, input: unknown) {
      parseInput(dnsLabel, namespace, 'namespace');
      parseInput(dnsLabel, service, 'service');
      requireRole(meta.principal, 'admin');
      const d = parseInput(staticEndpointsInput, input);
      const family = (a: string) => parseAddress(a)?.family;
      const families = new Set(d.endpoints.map((e) => family(e.address)));
      if (families.size > 1) throw AppError.field('endpoints', 'all addresses must be of one family');
      const r = await write(meta, `static:${namespace}/${service}`, {
        clusterId: null,
        namespace,
        name: `${service}-static`,
        serviceName: service,
        addressType: families.has('ipv6') ? 'IPv6' : 'IPv4',
        static: true,
        ports: d.ports,
        endpoints: d.endpoints.map((e) => ({
          addresses: [e.address],
          conditions: { ready: e.ready, serving: e.ready, terminating: false },
          ...(e.nodeName ? { nodeName: e.nodeName } : {}),
        })),
        nodeAddresses: {},
      });
      return get(meta, r.id);
    },
    removeStatic: (meta: CallMeta, namespace: string, service: string) => {
      parseInput(dnsLabel, namespace, 'namespace');
      parseInput(dnsLabel, service, 'service');
      return removeWhere(meta, { clientUid: `static:${namespace}/${service}` }, `${namespace}/${service}`);
    },
  };
}

export const listAuditQuery = pageQuery.extend({
  action: z.string().max(100).optional(),
  objectId: z.string().max(100).optional(),
});

export function auditService({ db }: ServiceDeps) {
  return {
    async list(meta: CallMeta, query: unknown) {
      const q = parseInput(listAuditQuery, query);
      const page = pageArgs(q.cursor, q.limit);
      const where: Record<string, unknown> = { ...tenant(meta.principal), ...page.where };
      if (q.action) where.action = q.action;
      if (q.objectId) where.objectId = q.objectId;
      const rows = await db.auditEvent.findMany({ where, orderBy: page.orderBy, take: page.take });
      return pageOf(rows, q.limit);
    },
  };
}
