import type { Json, JsonObject } from '../input.js';
import type { InfraObjects } from '../translate.js';

const isObj = (v: Json | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The Envoy container's arguments of a fleet's Deployment. */
export function envoyArgs(objects: InfraObjects): string[] {
  const d = objects.owned.find((o) => o.kind === 'Deployment') as unknown as {
    spec: { template: { spec: { containers: { args: string[] }[] } } };
  };
  return d.spec.template.spec.containers[0]!.args;
}

/**
 * What Envoy boots with: the `-c` file (from the Secret) with `--config-yaml` merged on top, as protobuf's
 * MergeFrom does it (messages merge field by field, repeated fields append).
 */
export function mergedBootstrap(objects: InfraObjects): JsonObject {
  const args = envoyArgs(objects);
  const inline = JSON.parse(args[args.indexOf('--config-yaml') + 1]!) as JsonObject;
  const file = args[args.indexOf('-c') + 1]!.split('/').pop()!;
  const secret = objects.owned.find((o) => o.kind === 'Secret') as unknown as {
    data: Record<string, string>;
  };
  const base = JSON.parse(Buffer.from(secret.data[file]!, 'base64').toString('utf8')) as JsonObject;
  return mergeFrom(base, inline);
}

function mergeFrom(into: JsonObject, from: JsonObject): JsonObject {
  const out: JsonObject = { ...into };
  for (const [k, v] of Object.entries(from)) {
    const prior = out[k];
    if (Array.isArray(prior) && Array.isArray(v)) out[k] = [...prior, ...v];
    else if (isObj(prior) && isObj(v)) out[k] = mergeFrom(prior, v);
    else out[k] = v;
  }
  return out;
}
