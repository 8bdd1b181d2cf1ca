export * from './tunnel-manager.js';
export * from './keepalive-sender.js';
export * from './keepalive-receiver.js';
export * from './agent.js';
export { PinnedMap, type MapEntry } from './bpf-map.js';
export { runner, type Runner } from './run.js';
