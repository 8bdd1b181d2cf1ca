import { z } from 'zod';
import type { TemplateInfrastructure } from './input.js';

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label')
  .max(63);
const bound = z.union([z.number().int().min(0), z.string().regex(/^(100|[1-9]?[0-9])%$/, 'a percentage')]);
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/, 'a Kubernetes quantity');

/**
 * A template's fleet settings beyond image and replicas (the `infrastructure` field of the Template API): the
 * API validates a template against it on save, the provisioner parses what is stored with it again.
 */
export const templateInfrastructureSchema = z
  .strictObject({
    multus: z
      .strictObject({
        network: dnsLabel.describe('the NetworkAttachmentDefinition to attach each Envoy to'),
        namespace: dnsLabel
          .optional()
          .describe("the NetworkAttachmentDefinition's namespace (default: the pod's)"),
        interface: z
          .string()
          .regex(/^[a-z0-9]{1,15}$/, 'must be an interface name (1-15 lowercase letters and digits)')
          .optional()
          .describe('the interface name inside the pod'),
      })
      .optional()
      .describe("a Multus attachment carrying the gateway's public address"),
    podDisruptionBudget: z
      .union(
        [
          z.literal(false),
          z.strictObject({ minAvailable: bound }),
          z.strictObject({ maxUnavailable: bound }),
        ],
        { error: 'must be false, {minAvailable: N} or {maxUnavailable: N}' },
      )
      .optional()
      .describe(
        'false for none, or {minAvailable} or {maxUnavailable} (a count or a percentage); unset: maxUnavailable 1 for more than one replica',
      ),
    resources: z
      .strictObject({
        requests: z.partialRecord(z.enum(['cpu', 'memory', 'ephemeral-storage']), quantity).optional(),
        limits: z.partialRecord(z.enum(['cpu', 'memory', 'ephemeral-storage']), quantity).optional(),
      })
      .optional()
      .describe("Envoy's container resources (default requests 100m CPU, 128Mi memory)"),
    drainSeconds: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .optional()
      .describe('seconds Envoy drains its listeners on termination (default 15)'),
  })
  .describe('fleet settings beyond image and replicas');

/**
 * A Template's `infrastructure` JSON, parsed strictly (an unknown key is an error, so a typo never silently
 * turns a setting off). Returns the settings or the problems, each naming its path.
 */
export function parseTemplateInfrastructure(
  value: unknown,
): { ok: true; value: TemplateInfrastructure } | { ok: false; problems: string[] } {
  const r = templateInfrastructureSchema.safeParse(value ?? {});
  if (r.success) return { ok: true, value: r.data as TemplateInfrastructure };
  return {
    ok: false,
    problems: r.error.issues.map(
      (i) => `infrastructure${i.path.map((p) => `.${String(p)}`).join('')}: ${i.message}`,
    ),
  };
}
