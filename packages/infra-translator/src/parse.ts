import { z } from 'zod';
import type { TemplateInfrastructure } from './input.js';

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label')
  .max(63);
const bound = z.union([z.number().int().min(0), z.string().regex(/^(100|[1-9]?[0-9])%$/, 'a percentage')]);
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/, 'a Kubernetes quantity');

const schema = z.strictObject({
  multus: z
    .strictObject({
      network: dnsLabel,
      namespace: dnsLabel.optional(),
      interface: z
        .string()
        .regex(/^[a-z0-9]{1,15}$/)
        .optional(),
    })
    .optional(),
  podDisruptionBudget: z
    .union([
      z.literal(false),
      z.strictObject({ minAvailable: bound }),
      z.strictObject({ maxUnavailable: bound }),
    ])
    .optional(),
  resources: z
    .strictObject({
      requests: z.partialRecord(z.enum(['cpu', 'memory', 'ephemeral-storage']), quantity).optional(),
      limits: z.partialRecord(z.enum(['cpu', 'memory', 'ephemeral-storage']), quantity).optional(),
    })
    .optional(),
  drainSeconds: z.number().int().min(0).max(3600).optional(),
});

/**
 * A Template's `infrastructure` JSON, parsed strictly (an unknown key is an error, so a typo never silently
 * turns a setting off). Returns the settings or the problems, each naming its path.
 */
export function parseTemplateInfrastructure(
  value: unknown,
): { ok: true; value: TemplateInfrastructure } | { ok: false; problems: string[] } {
  const r = schema.safeParse(value ?? {});
  if (r.success) return { ok: true, value: r.data as TemplateInfrastructure };
  return {
    ok: false,
    problems: r.error.issues.map(
      (i) => `infrastructure${i.path.map((p) => `.${String(p)}`).join('')}: ${i.message}`,
    ),
  };
}
