// Test and benchmark helpers (not part of the runtime API): loopback echo backends, gRPC-client-shaped xDS
// fixtures, a bare ADS client, and the grpc-js-xds bootstrap.
export * from './acks.js';
export * from './ads-client.js';
export * from './echo-backends.js';
export * from './grpc-fixtures.js';
export * from './traffic.js';
export * from './xds-client.js';
