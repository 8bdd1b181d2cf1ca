import { z } from 'zod';
import { GatewayController, Group, Kind, Namespace, ObjectName } from './common.js';

/** ParametersReference: the implementation-specific object that configures a class (cluster or namespace scoped). */
export const ParametersReference = z.strictObject({
  group: Group,
  kind: Kind,
  name: ObjectName,
  namespace: Namespace.optional(),
});
export type ParametersReference = z.infer<typeof ParametersReference>;

/** GatewayClassSpec (gateway.networking.k8s.io/v1). `controllerName` is immutable (a CEL transition rule). */
export const GatewayClassSpec = z.strictObject({
  controllerName: GatewayController,
  parametersRef: ParametersReference.optional(),
  description: z.string().max(64).optional(),
});
export type GatewayClassSpec = z.infer<typeof GatewayClassSpec>;
