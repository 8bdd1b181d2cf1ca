import { z } from 'zod';
import {
  Group,
  Kind,
  LocalObjectReference,
  ObjectName,
  PreciseHostname,
  SectionName,
  Hostname,
} from './common.js';

// BackendTLSPolicy (gateway.networking.k8s.io/v1 in v1.6.1): how a gateway connects to a backend with TLS.
// Patterns, lengths and CEL rules as the v1.6.1 CRD declares them.

/** LocalPolicyTargetReferenceWithSectionName: the Service (and port name) a policy applies to. */
export const BackendTLSPolicyTargetRef = z.strictObject({
  group: Group,
  kind: Kind,
  name: ObjectName,
  sectionName: SectionName.optional(),
});
export type BackendTLSPolicyTargetRef = z.infer<typeof BackendTLSPolicyTargetRef>;

const sameTarget = (a: BackendTLSPolicyTargetRef, b: BackendTLSPolicyTargetRef) =>
  a.group === b.group && a.kind === b.kind && a.name === b.name;
const noSection = (r: BackendTLSPolicyTargetRef) => r.sectionName === undefined || r.sectionName === '';

const TargetRefs = z
  .array(BackendTLSPolicyTargetRef)
  .min(1)
  .max(16)
  .superRefine((refs, ctx) => {
    refs.forEach((p1, i) => {
      // The CRD's two list rules, reported on the later of the two refs that break them.
      for (let j = 0; j < i; j++) {
        const p2 = refs[j] as BackendTLSPolicyTargetRef;
        if (!sameTarget(p1, p2)) continue;
        if (noSection(p1) !== noSection(p2)) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'sectionName'],
            message:
              'sectionName must be specified when targetRefs includes 2 or more references to the same target',
          });
        } else if (noSection(p1) || p1.sectionName === p2.sectionName) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'sectionName'],
            message:
              'sectionName must be unique when targetRefs includes 2 or more references to the same target',
          });
        }
      }
    });
  });

const URI_PATTERN = /^(([^:/?#]+):)(\/\/([^/?#]*))([^?#]*)(\?([^#]*))?(#(.*))?/;

/** SubjectAltName: a Hostname (wildcards allowed) or a URI the backend certificate must carry. */
export const SubjectAltName = z
  .strictObject({
    type: z.enum(['Hostname', 'URI']),
    hostname: Hostname.optional(),
    uri: z
      .string()
      .min(1)
      .max(253)
      .regex(URI_PATTERN, { message: `must match ${URI_PATTERN.source} (an absolute URI)` })
      .optional(),
  })
  .superRefine((san, ctx) => {
    const has = (v: string | undefined) => v !== undefined && v !== '';
    if (san.type === 'Hostname' && !has(san.hostname))
      ctx.addIssue({
        code: 'custom',
        path: ['hostname'],
        message: 'SubjectAltName element must contain Hostname, if Type is set to Hostname',
      });
    if (san.type !== 'Hostname' && has(san.hostname))
      ctx.addIssue({
        code: 'custom',
        path: ['hostname'],
        message: 'SubjectAltName element must not contain Hostname, if Type is not set to Hostname',
      });
    if (san.type === 'URI' && !has(san.uri))
      ctx.addIssue({
        code: 'custom',
        path: ['uri'],
        message: 'SubjectAltName element must contain URI, if Type is set to URI',
      });
    if (san.type !== 'URI' && has(san.uri))
      ctx.addIssue({
        code: 'custom',
        path: ['uri'],
        message: 'SubjectAltName element must not contain URI, if Type is not set to URI',
      });
  });
export type SubjectAltName = z.infer<typeof SubjectAltName>;

const WELL_KNOWN_CA =
  /^(System|([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]))$/;

/** BackendTLSPolicyValidation: the SNI / hostname to verify, and the CAs to trust (refs or well-known). */
export const BackendTLSPolicyValidation = z
  .strictObject({
    caCertificateRefs: z.array(LocalObjectReference).max(8).optional(),
    wellKnownCACertificates: z
      .string()
      .min(1)
      .max(253)
      .regex(WELL_KNOWN_CA, {
        message: `must match ${WELL_KNOWN_CA.source} ("System" or a domain-prefixed name)`,
      })
      .optional(),
    hostname: PreciseHostname,
    subjectAltNames: z.array(SubjectAltName).max(5).optional(),
  })
  .superRefine((v, ctx) => {
    const refs = (v.caCertificateRefs?.length ?? 0) > 0;
    const wellKnown = v.wellKnownCACertificates !== undefined && v.wellKnownCACertificates !== '';
    if (refs && wellKnown)
      ctx.addIssue({
        code: 'custom',
        path: ['wellKnownCACertificates'],
        message: 'must not contain both CACertificateRefs and WellKnownCACertificates',
      });
    if (!refs && !wellKnown)
      ctx.addIssue({
        code: 'custom',
        path: ['caCertificateRefs'],
        message: 'must specify either CACertificateRefs or WellKnownCACertificates',
      });
  });
export type BackendTLSPolicyValidation = z.infer<typeof BackendTLSPolicyValidation>;

/** BackendTLSPolicySpec (gateway.networking.k8s.io/v1). */
export const BackendTLSPolicySpec = z.strictObject({
  targetRefs: TargetRefs,
  validation: BackendTLSPolicyValidation,
  options: z
    .record(z.string(), z.string().max(4096))
    .refine((o) => Object.keys(o).length <= 16, { message: 'must have at most 16 properties' })
    .optional(),
});
export type BackendTLSPolicySpec = z.infer<typeof BackendTLSPolicySpec>;

/** Condition types and reasons of policies (apis/v1/policy_types.go) and BackendTLSPolicy's own. */
export const PolicyConditionType = { Accepted: 'Accepted', ResolvedRefs: 'ResolvedRefs' } as const;
export const PolicyConditionReason = {
  Accepted: 'Accepted',
  Conflicted: 'Conflicted',
  Invalid: 'Invalid',
  TargetNotFound: 'TargetNotFound',
  Pending: 'Pending',
  ResolvedRefs: 'ResolvedRefs',
  InvalidCACertificateRef: 'InvalidCACertificateRef',
  InvalidKind: 'InvalidKind',
  NoValidCACertificate: 'NoValidCACertificate',
} as const;
export type PolicyConditionReason = (typeof PolicyConditionReason)[keyof typeof PolicyConditionReason];

/** Kinds a BackendTLSPolicy's caCertificateRefs may name (core group); others are InvalidKind. */
export const BACKEND_TLS_CA_KINDS = ['ConfigMap', 'Secret'] as const;
