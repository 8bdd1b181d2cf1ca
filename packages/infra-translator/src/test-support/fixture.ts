// Golden fixtures: testdata/<feature>-<case>.in.yaml, parsed strictly (an unknown key fails the test).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrap } from '@epic/envoy-proto';
import { z } from 'zod';
import type { InfraInput, JsonObject } from '../input.js';
import { parseTemplateInfrastructure } from '../parse.js';

/** The golden cases' directory (`<case>.in.yaml` → `<case>.out.yaml`). */
export const testdata = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'testdata');

const labels = z.record(z.string(), z.string());
const fixtureSchema = z.strictObject({
  description: z.string(),
  account: z.string(),
  gateway: z.strictObject({
    id: z.uuid(),
    name: z.string(),
    namespace: z.string(),
    address: z.string().nullable().optional(),
    listeners: z.array(z.strictObject({ name: z.string(), port: z.number().int(), protocol: z.string() })),
    infrastructure: z.strictObject({ labels: labels.optional(), annotations: labels.optional() }).optional(),
  }),
  template: z.strictObject({
    name: z.string(),
    envoyImage: z.string(),
    replicas: z.number().int(),
    infrastructure: z.unknown().optional(),
  }),
  xds: z.strictObject({ host: z.string(), port: z.number().int(), token: z.string() }),
  credentialsExpireAt: z.string(),
  rootUid: z.string().optional(),
});

export interface ParsedFixture {
  input: InfraInput;
  rootUid?: string;
  /** The fixture's xDS token (it must reach Envoy only through the Secret). */
  token: string;
}

export function parseFixture(raw: unknown): ParsedFixture {
  const f = fixtureSchema.parse(raw);
  const infra = parseTemplateInfrastructure(f.template.infrastructure);
  if (!infra.ok) throw new Error(infra.problems.join('\n'));
  const input: InfraInput = {
    account: f.account,
    gateway: { ...f.gateway },
    template: { ...f.template, infrastructure: infra.value },
    // The API's own generator: what the provisioner passes in.
    bootstrap: bootstrap({ account: f.account, gateway: f.gateway.id, xds: f.xds }) as JsonObject,
    credentialsExpireAt: f.credentialsExpireAt,
  };
  return { input, token: f.xds.token, ...(f.rootUid !== undefined ? { rootUid: f.rootUid } : {}) };
}

/** Freezes a value recursively so a translator that mutates its input throws. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
