export { startKubeTestServer, type KubeTestServer, type KubeTestServerOptions } from './server.js';
export { Faults } from './faults.js';
export { ObjectStore, type StoreEvent } from './object-store.js';
export { ResourceRegistry } from './registry.js';
export { StatusError } from './status.js';
export { renderKubeconfig } from './kubeconfig.js';
export type { ResourceType } from './resource-types.js';
