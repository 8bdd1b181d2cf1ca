import { z } from 'zod';
import {
  GatewayClassConditionReason as Reason,
  GatewayClassConditionType as Type,
  GatewayClassSpec,
} from '@epic/gateway-api';
import { canonicalize, supportedFeatures, type JsonValue } from '@epic/gateway-translator';
import { requireRole, tenant } from '../auth/principal.js';
import type { Db } from '../db/client.js';
import { AppError } from '../lib/errors.js';
import { pageArgs, pageOf } from '../lib/cursor.js';
import { parseInput } from '../lib/validate.js';
import { CONTROLLER_NAME } from '../reconciler/reconcile-gateway.js';
import {
  audit,
  clientUid,
  dnsSubdomain,
  json,
  pageQuery,
  TEMPLATE_PARAMETERS,
  uuid,
  type CallMeta,
  type ServiceDeps,
} from './common.js';

/**
 * GatewayClasses on the EPIC side: a class of this controller names the template its gateways are built
 * from (`spec.parametersRef` → `epic-gateway.io/Template`, or the template named like the class). The status
 * is derived on read from the spec and the account's templates, so it follows a template's creation or
 * removal without a reconcile; classes of other controllers keep the CRD's "Waiting for controller".
 */

export const upsertGatewayClassInput = z.strictObject({
  clusterId: uuid.optional(),
  clientUid: clientUid
    .optional()
    .describe('uid of the GatewayClass in its cluster; a re-sent object updates'),
  name: dnsSubdomain,
  spec: z.record(z.string(), z.unknown()).describe('the Gateway API GatewayClass spec, as v1 defines it'),
});
export const listGatewayClassesQuery = pageQuery.extend({
  name: dnsSubdomain.optional(),
  clusterId: uuid.optional(),
});

interface Row {
  id: string;
  accountId: string;
  clusterId: string | null;
  clientUid: string;
  name: string;
  spec: unknown;
  generation: number;
  createdAt: Date;
  updatedAt: Date;
}

interface ClassCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration: number;
  lastTransitionTime: string;
}

/** The template a class of this controller builds from, or why it has none. */
export function classTemplate(
  name: string,
  spec: GatewayClassSpec,
): { template: string } | { invalid: string } {
  const ref = spec.parametersRef;
  if (ref === undefined) return { template: name };
  if (ref.group !== TEMPLATE_PARAMETERS.group || ref.kind !== TEMPLATE_PARAMETERS.kind)
    return {
      invalid: `parametersRef must name a ${TEMPLATE_PARAMETERS.group}/${TEMPLATE_PARAMETERS.kind}, not ${ref.group}/${ref.kind}`,
    };
  if (ref.namespace !== undefined) return { invalid: 'parametersRef: a Template is not namespaced' };
  return { template: ref.name };
}

/**
 * The template a new gateway is built from: the one it names, or its GatewayClass's (a class of this
 * controller whose parametersRef names a template, or the template named like the class).
 */
export async function templateOf(
  db: Db,
  accountId: string,
  input: { template?: string | undefined; gatewayClassName?: string | undefined },
): Promise<string> {
  if (input.gatewayClassName === undefined) {
    if (input.template === undefined) throw AppError.field('template', 'give template or gatewayClassName');
    return input.template;
  }
  if (input.template !== undefined)
    throw AppError.field('gatewayClassName', 'give template or gatewayClassName, not both');
  const name = input.gatewayClassName;
  const row = await db.gatewayClass.findFirst({
    where: { accountId, name },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  if (!row) throw AppError.field('gatewayClassName', `GatewayClass ${JSON.stringify(name)} not found`);
  const spec = row.spec as GatewayClassSpec;
  if (spec.controllerName !== CONTROLLER_NAME)
    throw AppError.field(
      'gatewayClassName',
      `GatewayClass ${JSON.stringify(name)} belongs to controller ${spec.controllerName}, not ${CONTROLLER_NAME}`,
    );
  const t = classTemplate(name, spec);
  if ('invalid' in t)
    throw AppError.field('gatewayClassName', `GatewayClass ${JSON.stringify(name)}: ${t.invalid}`);
  return t.template;
}

export function gatewayClassesService({ db }: ServiceDeps) {
  async function view(d: Db, r: Row) {
    const spec = r.spec as GatewayClassSpec;
    const at = r.updatedAt.toISOString();
    const cond = (status: ClassCondition['status'], reason: string, message: string): ClassCondition => ({
      type: Type.Accepted,
      status,
      reason,
      message,
      observedGeneration: r.generation,
      lastTransitionTime: at,
    });
    let status: { conditions: ClassCondition[]; supportedFeatures: { name: string }[] };
    if (spec.controllerName !== CONTROLLER_NAME) {
      status = {
        conditions: [cond('Unknown', Reason.Pending, 'Waiting for controller')],
        supportedFeatures: [],
      };
    } else {
      const t = classTemplate(r.name, spec);
      const found =
        'template' in t &&
        (await d.template.findFirst({
          where: { accountId: r.accountId, name: t.template },
          select: { id: true },
        }));
      status =
        'invalid' in t
          ? { conditions: [cond('False', Reason.InvalidParameters, t.invalid)], supportedFeatures: [] }
          : !found
            ? {
                conditions: [
                  cond('False', Reason.InvalidParameters, `template ${JSON.stringify(t.template)} not found`),
                ],
                supportedFeatures: [],
              }
            : {
                conditions: [
                  cond(
                    'True',
                    Reason.Accepted,
                    `gateways are built from template ${JSON.stringify(t.template)}`,
                  ),
                ],
                supportedFeatures: supportedFeatures.map((name) => ({ name })),
              };
    }
    const { accountId: _a, ...rest } = r;
    return { ...rest, spec, status };
  }

  return {
    async upsert(meta: CallMeta, input: unknown) {
      const d = parseInput(upsertGatewayClassInput, input);
      const spec = parseInput(GatewayClassSpec, d.spec, 'spec');
      requireRole(meta.principal, 'admin');
      const p = meta.principal;
      const uid = d.clientUid ?? `api:${d.clusterId ?? 'none'}:GatewayClass:${d.name}`;
      const { row, created } = await db.$transaction(async (tx) => {
        if (d.clusterId && !(await tx.cluster.findFirst({ where: { ...tenant(p), id: d.clusterId } }))) {
          throw AppError.field('clusterId', `cluster ${d.clusterId} not found`);
        }
        const prior = await tx.gatewayClass.findFirst({ where: { ...tenant(p), clientUid: uid } });
        if (prior && prior.name !== d.name)
          throw AppError.field(
            'name',
            `client uid ${uid} is GatewayClass ${prior.name}; a class cannot be renamed`,
          );
        if (prior && (prior.spec as GatewayClassSpec).controllerName !== spec.controllerName)
          throw AppError.field('spec.controllerName', 'Value is immutable');
        if (!prior) {
          const row = await tx.gatewayClass.create({
            data: {
              ...tenant(p),
              clientUid: uid,
              clusterId: d.clusterId ?? null,
              name: d.name,
              spec: json(spec),
            },
          });
          await audit(tx, meta, 'gatewayclass.create', 'GatewayClass', row.id, { name: d.name });
          return { row, created: true };
        }
        // jsonb keeps its own key order: compare canonical forms, so a re-sent object is a no-op.
        const same =
          JSON.stringify(canonicalize(prior.spec as JsonValue)) ===
          JSON.stringify(canonicalize(spec as JsonValue));
        if (same) return { row: prior, created: false };
        const row = await tx.gatewayClass.update({
          where: { id: prior.id },
          data: { spec: json(spec), generation: { increment: 1 } },
        });
        await audit(tx, meta, 'gatewayclass.update', 'GatewayClass', row.id, {
          name: d.name,
          generation: row.generation,
        });
        return { row, created: false };
      });
      return { item: await view(db, row), created };
    },
    async list(meta: CallMeta, query: unknown) {
      const q = parseInput(listGatewayClassesQuery, query);
      const page = pageArgs(q.cursor, q.limit);
      const where: Record<string, unknown> = { ...tenant(meta.principal), ...page.where };
      if (q.name) where.name = q.name;
      if (q.clusterId) where.clusterId = q.clusterId;
      const rows = await db.gatewayClass.findMany({ where, orderBy: page.orderBy, take: page.take });
      const paged = pageOf(rows, q.limit);
      return { ...paged, items: await Promise.all(paged.items.map((r) => view(db, r))) };
    },
    async get(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      const row = await db.gatewayClass.findFirst({ where: { ...tenant(meta.principal), id } });
      if (!row) throw AppError.notFound('gateway class', id);
      return view(db, row);
    },
    async remove(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      await db.$transaction(async (tx) => {
        const row = await tx.gatewayClass.findFirst({ where: { ...tenant(meta.principal), id } });
        if (!row) throw AppError.notFound('gateway class', id);
        await tx.gatewayClass.delete({ where: { id } });
        await audit(tx, meta, 'gatewayclass.delete', 'GatewayClass', id, { name: row.name });
      });
    },
  };
}
