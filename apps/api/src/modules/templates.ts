import { z } from 'zod';
import { templateInfrastructureSchema } from '@epic/infra-translator';
import { requireRole, requireSystem, tenant } from '../auth/principal.js';
import { AppError } from '../lib/errors.js';
import { parseInput } from '../lib/validate.js';
import {
  audit,
  conflictOnUnique,
  dnsLabel,
  enqueueReconcile,
  json,
  uuid,
  type CallMeta,
  type ServiceDeps,
} from './common.js';

/** Placeholders a DNS name template may use. */
export const dnsPlaceholders = ['gateway', 'namespace', 'account', 'address'] as const;

export function renderDnsName(
  template: string,
  values: Record<(typeof dnsPlaceholders)[number], string>,
): string {
  return template
    .replace(/\{(\w+)\}/g, (_, k: string) => (values as Record<string, string>)[k] ?? `{${k}}`)
    .toLowerCase();
}

const DNS_NAME_RE =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

const dnsNameTemplate = z
  .string()
  .min(1)
  .max(200)
  .superRefine((t, ctx) => {
    for (const [, name] of t.matchAll(/\{(\w*)\}/g)) {
      if (!(dnsPlaceholders as readonly string[]).includes(name ?? '')) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown placeholder {${name}}; use ${dnsPlaceholders.map((p) => `{${p}}`).join(', ')}`,
        });
        return;
      }
    }
    const sample = renderDnsName(t, {
      gateway: 'gw',
      namespace: 'default',
      account: 'acct',
      address: '192-0-2-1',
    });
    if (!DNS_NAME_RE.test(sample))
      ctx.addIssue({
        code: 'custom',
        message: `renders to ${JSON.stringify(sample)}, which is not a DNS name`,
      });
  });

/** Native Envoy v3 fragments; their contents are validated against Envoy's protos by `validateFragments`. */
export const envoyFragmentsSchema = z.strictObject({
  extraHttpFilters: z.array(z.record(z.string(), z.unknown())).max(50).optional(),
  listenerOptions: z.record(z.string(), z.unknown()).optional(),
  clusterOptions: z.record(z.string(), z.unknown()).optional(),
  extraClusters: z.array(z.record(z.string(), z.unknown())).max(100).optional(),
});
export type EnvoyFragments = z.output<typeof envoyFragmentsSchema>;

const templateFields = {
  description: z.string().max(1000).optional(),
  poolName: dnsLabel.describe('address pool name; the account pool of that name wins over a global one'),
  envoyImage: z
    .string()
    .min(1)
    .max(300)
    .regex(/^[\w.\-/:@]+$/, 'must be a container image reference')
    .optional(),
  replicas: z.number().int().min(1).max(100).optional(),
  allowSharing: z.boolean().optional(),
  dnsNameTemplate,
  envoyFragments: envoyFragmentsSchema.optional(),
  infrastructure: templateInfrastructureSchema.optional(),
};
export const createTemplateInput = z.strictObject({
  name: dnsLabel,
  starter: z
    .boolean()
    .default(false)
    .describe('a starter template copied into new accounts (platform operators only)'),
  ...templateFields,
});
export const updateTemplateInput = z.strictObject({
  ...templateFields,
  poolName: templateFields.poolName.optional(),
  dnsNameTemplate: dnsNameTemplate.optional(),
});

export interface FragmentIssue {
  path: string;
  message: string;
}
/** Checks native Envoy fragments against Envoy's protos; supplied by the xDS layer. */
export type FragmentValidator = (fragments: EnvoyFragments) => FragmentIssue[];

const view = {
  id: true,
  accountId: true,
  name: true,
  description: true,
  poolName: true,
  envoyImage: true,
  replicas: true,
  allowSharing: true,
  dnsNameTemplate: true,
  envoyFragments: true,
  infrastructure: true,
  createdAt: true,
  updatedAt: true,
} as const;

export function templatesService({
  db,
  validateFragments,
}: ServiceDeps & { validateFragments?: FragmentValidator }) {
  function checkFragments(f: EnvoyFragments | undefined) {
    if (!f || !validateFragments) return;
    const issues = validateFragments(f);
    if (issues.length > 0)
      throw AppError.validation(
        issues.map((i) => ({ path: `envoyFragments.${i.path}`, message: i.message })),
      );
  }
  return {
    async create(meta: CallMeta, input: unknown) {
      const data = parseInput(createTemplateInput, input);
      if (data.starter) requireSystem(meta.principal);
      else requireRole(meta.principal, 'admin');
      checkFragments(data.envoyFragments);
      const { starter, ...fields } = data;
      return db
        .$transaction(async (tx) => {
          const accountId = starter ? null : meta.principal.accountId;
          // Starter templates have accountId null, which a unique index does not cover.
          if (await tx.template.findFirst({ where: { accountId, name: data.name } })) {
            throw new AppError('Conflict', `template ${JSON.stringify(data.name)} already exists`);
          }
          const t = await tx.template.create({
            data: {
              ...fields,
              accountId,
              envoyFragments: json(fields.envoyFragments ?? {}),
              infrastructure: json(fields.infrastructure ?? {}),
            },
            select: view,
          });
          await audit(tx, meta, 'template.create', 'Template', t.id, { name: t.name });
          return t;
        })
        .catch(conflictOnUnique('template', JSON.stringify(data.name)));
    },
    async list(meta: CallMeta) {
      return db.template.findMany({ where: tenant(meta.principal), select: view, orderBy: { name: 'asc' } });
    },
    async get(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      const t = await db.template.findFirst({ where: { ...tenant(meta.principal), id }, select: view });
      if (!t) throw AppError.notFound('template', id);
      return t;
    },
    async update(meta: CallMeta, id: string, input: unknown) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      const data = parseInput(updateTemplateInput, input);
      checkFragments(data.envoyFragments);
      return db.$transaction(async (tx) => {
        const found = await tx.template.findFirst({ where: { ...tenant(meta.principal), id } });
        if (!found) throw AppError.notFound('template', id);
        const t = await tx.template.update({
          where: { id },
          data: {
            ...data,
            envoyFragments: data.envoyFragments ? json(data.envoyFragments) : undefined,
            // Replaced as a whole when given (as spec fields are), so a setting is removed by leaving it out.
            infrastructure: data.infrastructure ? json(data.infrastructure) : undefined,
          },
          select: view,
        });
        // Gateways built from this template re-render.
        const gws = await tx.gateway.findMany({ where: { templateId: id }, select: { id: true } });
        await enqueueReconcile(
          tx,
          gws.map((g) => g.id),
        );
        await audit(tx, meta, 'template.update', 'Template', id, data);
        return t;
      });
    },
    async remove(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      await db.$transaction(async (tx) => {
        const found = await tx.template.findFirst({ where: { ...tenant(meta.principal), id } });
        if (!found) throw AppError.notFound('template', id);
        const used = await tx.gateway.count({ where: { templateId: id } });
        if (used > 0)
          throw new AppError(
            'Conflict',
            `template ${JSON.stringify(found.name)} is used by ${used} gateways`,
          );
        await tx.template.delete({ where: { id } });
        await audit(tx, meta, 'template.delete', 'Template', id, { name: found.name });
      });
    },
  };
}
