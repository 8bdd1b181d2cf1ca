// encode / decode / validate one xDS resource given as proto3 JSON (see ADR 0400 for the JSON conventions).
import { isDeepStrictEqual } from 'node:util';
import type protobuf from 'protobufjs';
import { type JsonObject, type ProtoIssue, messageFromJson, messageToJson } from './proto-json.js';
import { findMessageType } from './proto-root.js';
import { messageNameOfTypeUrl } from './type-urls.js';

export interface ValidationResult {
  ok: boolean;
  errors: ProtoIssue[];
}

/** Thrown by encodeResource when the JSON does not fit the schema; carries every problem found. */
export class ProtoValidationError extends Error {
  constructor(
    readonly typeUrl: string,
    readonly errors: ProtoIssue[],
  ) {
    super(
      `invalid ${messageNameOfTypeUrl(typeUrl)}: ` +
        errors
          .slice(0, 5)
          .map((e) => `${e.path || '<root>'}: ${e.message}`)
          .join('; ') +
        (errors.length > 5 ? ` (and ${errors.length - 5} more)` : ''),
    );
    this.name = 'ProtoValidationError';
  }
}

/** The message type a type URL names; throws for a type the loaded schema does not know. */
export function messageTypeOf(typeUrl: string): protobuf.Type {
  const type = findMessageType(messageNameOfTypeUrl(typeUrl));
  if (!type) throw new ProtoValidationError(typeUrl, [{ path: '', message: `unknown type ${typeUrl}` }]);
  return type;
}

/**
 * Serialises a resource. The schema walk is strict (unknown fields, wrong types, unknown enum names and Any
 * types all throw ProtoValidationError); protoc-gen-validate rules are checked by validateResource only.
 */
export function encodeResource(typeUrl: string, json: unknown): Uint8Array {
  const type = messageTypeOf(typeUrl);
  const issues: ProtoIssue[] = [];
  const plain = messageFromJson(type, json, issues);
  if (issues.length > 0) throw new ProtoValidationError(typeUrl, issues);
  return type.encode(plain).finish();
}

/** Parses a serialised resource back into proto3 JSON (lowerCamelCase names, Any expanded with '@type'). */
export function decodeResource(typeUrl: string, bytes: Uint8Array): JsonObject {
  const type = messageTypeOf(typeUrl);
  return messageToJson(type, type.decode(bytes) as unknown as Record<string, unknown>) as JsonObject;
}

/**
 * Full check before publishing: schema (strict), protoc-gen-validate rules, then encode → decode and compare
 * with the canonical form of the input, so nothing the caller wrote is lost on the wire.
 */
export function validateResource(typeUrl: string, json: unknown): ValidationResult {
  const type = findMessageType(messageNameOfTypeUrl(typeUrl));
  if (!type) return { ok: false, errors: [{ path: '', message: `unknown type ${typeUrl}` }] };
  const errors: ProtoIssue[] = [];
  const plain = messageFromJson(type, json, errors, { rules: true });
  if (errors.length > 0) return { ok: false, errors };
  const canonical = messageToJson(type, plain);
  let roundTripped: unknown;
  try {
    const bytes = type.encode(plain).finish();
    roundTripped = messageToJson(type, type.decode(bytes) as unknown as Record<string, unknown>);
  } catch (err) {
    return { ok: false, errors: [{ path: '', message: `encoding failed: ${(err as Error).message}` }] };
  }
  if (!isDeepStrictEqual(canonical, roundTripped)) {
    return {
      ok: false,
      errors: [{ path: '', message: 'resource does not survive an encode/decode round trip' }],
    };
  }
  return { ok: true, errors: [] };
}

/** The canonical proto3 JSON of a resource (what decodeResource(encodeResource(x)) returns). */
export function canonicalResource(typeUrl: string, json: unknown): JsonObject {
  return decodeResource(typeUrl, encodeResource(typeUrl, json));
}
