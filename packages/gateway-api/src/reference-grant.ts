import { z } from 'zod';
import { Group, Kind, Namespace, ObjectName } from './common.js';

/** ReferenceGrantFrom: which kind in which namespace may refer. */
export const ReferenceGrantFrom = z.strictObject({ group: Group, kind: Kind, namespace: Namespace });
export type ReferenceGrantFrom = z.infer<typeof ReferenceGrantFrom>;

/** ReferenceGrantTo: which kind (optionally which name) in the grant's namespace may be referred to. */
export const ReferenceGrantTo = z.strictObject({ group: Group, kind: Kind, name: ObjectName.optional() });
export type ReferenceGrantTo = z.infer<typeof ReferenceGrantTo>;

/** ReferenceGrantSpec (gateway.networking.k8s.io/v1beta1, also served as v1). */
export const ReferenceGrantSpec = z.strictObject({
  from: z.array(ReferenceGrantFrom).min(1).max(16),
  to: z.array(ReferenceGrantTo).min(1).max(16),
});
export type ReferenceGrantSpec = z.infer<typeof ReferenceGrantSpec>;
