/** A proto3 JSON value as Envoy resources and template fragments carry them. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The objects of a repeated field (anything else in it, or a field that is no list, gives none). */
export function jsonObjects(v: JsonValue | undefined): JsonObject[] {
  return Array.isArray(v) ? v.filter(isJsonObject) : [];
}

/**
 * protobuf MergeFrom on proto3 JSON: the overlay's scalars replace, messages merge field by field, repeated
 * fields append. An Any whose `@type` differs is replaced whole (merging two different messages means nothing).
 */
export function protoMerge(base: JsonValue, overlay: JsonValue): JsonValue {
  if (Array.isArray(base) && Array.isArray(overlay)) return [...base, ...overlay];
  if (isJsonObject(base) && isJsonObject(overlay)) {
    if ('@type' in base && '@type' in overlay && base['@type'] !== overlay['@type']) return overlay;
    const out: JsonObject = { ...base };
    for (const [k, v] of Object.entries(overlay)) {
      const existing = out[k];
      out[k] = existing === undefined ? v : protoMerge(existing, v);
    }
    return out;
  }
  return overlay;
}

/** JSON with object keys sorted, so equal values serialise to equal bytes. */
export function canonicalize(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(canonicalize);
  if (isJsonObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v).sort()) out[k] = canonicalize(v[k] as JsonValue);
    return out;
  }
  return v;
}
