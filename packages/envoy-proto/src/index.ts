export * from './type-urls.js';
export {
  ProtoValidationError,
  type ValidationResult,
  canonicalResource,
  decodeResource,
  encodeResource,
  messageTypeOf,
  validateResource,
} from './resource-codec.js';
export {
  type JsonObject,
  type JsonValue,
  type ProtoIssue,
  formatDuration,
  parseDuration,
} from './proto-json.js';
export { ENTRY_PROTOS, envoyRoot, findMessageType, protoIncludeDirs } from './proto-root.js';
export { type BootstrapOptions, bootstrap, nodeIdOf } from './bootstrap.js';
