import { z } from 'zod';
import {
  duplicateIndices,
  Group,
  Hostname,
  Kind,
  LabelSelector,
  LocalObjectReference,
  ObjectName,
  ObjectReference,
  PortNumber,
  SecretObjectReference,
  SectionName,
} from './common.js';

// Gateway v1 spec as the standard-channel CRD of Gateway API v1.6.1 declares it.

const PROTOCOL_PATTERN =
  /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]+$/;
const ADDRESS_TYPE_PATTERN =
  /^Hostname|IPAddress|NamedAddress|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;
export const ADDRESS_HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const METADATA_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Listener protocols the Gateway API defines; implementations may add domain-prefixed ones. */
export const ListenerProtocols = {
  HTTP: 'HTTP',
  HTTPS: 'HTTPS',
  TLS: 'TLS',
  TCP: 'TCP',
  UDP: 'UDP',
} as const;

export const ProtocolType = z
  .string()
  .min(1)
  .max(255)
  .regex(PROTOCOL_PATTERN, { message: `must match ${PROTOCOL_PATTERN.source}` });
export type ProtocolType = z.infer<typeof ProtocolType>;

/** GatewayTLSConfig of a listener: terminate with certificates, or pass TLS through. */
export const GatewayTLSConfig = z
  .strictObject({
    mode: z.enum(['Terminate', 'Passthrough']).default('Terminate'),
    certificateRefs: z.array(SecretObjectReference).max(64).optional(),
    options: maxProperties(z.record(z.string(), z.string().max(4096)), 16).optional(),
  })
  .superRefine((tls, ctx) => {
    const refs = tls.certificateRefs?.length ?? 0;
    const options = Object.keys(tls.options ?? {}).length;
    if (tls.mode === 'Terminate' && refs === 0 && options === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['certificateRefs'],
        message: 'certificateRefs or options must be specified when mode is Terminate',
      });
    }
  });
export type GatewayTLSConfig = z.infer<typeof GatewayTLSConfig>;

export const RouteGroupKind = z.strictObject({
  group: Group.default('gateway.networking.k8s.io'),
  kind: Kind,
});
export type RouteGroupKind = z.infer<typeof RouteGroupKind>;

export const RouteNamespaces = z.strictObject({
  from: z.enum(['All', 'Selector', 'Same']).default('Same'),
  selector: LabelSelector.optional(),
});
export type RouteNamespaces = z.infer<typeof RouteNamespaces>;

/** AllowedRoutes: by default only routes from the Gateway's own namespace may attach. */
export const AllowedRoutes = z.strictObject({
  namespaces: RouteNamespaces.default(() => ({ from: 'Same' as const })),
  kinds: z.array(RouteGroupKind).max(8).optional(),
});
export type AllowedRoutes = z.infer<typeof AllowedRoutes>;

/** Listener: one logical endpoint (name, port, protocol, optional hostname and TLS). */
export const Listener = z.strictObject({
  name: SectionName,
  hostname: Hostname.optional(),
  port: PortNumber,
  protocol: ProtocolType,
  tls: GatewayTLSConfig.optional(),
  allowedRoutes: AllowedRoutes.default(() => ({ namespaces: { from: 'Same' as const } })),
});
export type Listener = z.infer<typeof Listener>;

/** The CRD's listener-list rules, plus "tls is required for HTTPS and TLS" which its docs state. */
export function checkListeners(listeners: readonly Listener[], ctx: z.RefinementCtx): void {
  listeners.forEach((l, i) => {
    if (['HTTP', 'TCP', 'UDP'].includes(l.protocol) && l.tls !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'tls'],
        message: "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
      });
    }
    if ((l.protocol === 'HTTPS' || l.protocol === 'TLS') && l.tls === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'tls'],
        message: "tls must be specified for protocols ['HTTPS', 'TLS']",
      });
    }
    if (l.protocol === 'HTTPS' && l.tls !== undefined && l.tls.mode !== 'Terminate') {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'tls', 'mode'],
        message: 'tls mode must be Terminate for protocol HTTPS',
      });
    }
    if (['TCP', 'UDP'].includes(l.protocol) && (l.hostname ?? '') !== '') {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'hostname'],
        message: "hostname must not be specified for protocols ['TCP', 'UDP']",
      });
    }
  });
  for (const i of duplicateIndices(listeners, (l) => l.name)) {
    ctx.addIssue({
      code: 'custom',
      path: [i, 'name'],
      message: 'Listener name must be unique within the Gateway',
    });
  }
  for (const i of duplicateIndices(listeners, (l) =>
    JSON.stringify([l.port, l.protocol, l.hostname ?? null]),
  )) {
    ctx.addIssue({
      code: 'custom',
      path: [i],
      message: 'Combination of port, protocol and hostname must be unique for each listener',
    });
  }
}

/** A map with at most `max` entries (the CRD's `maxProperties`). */
function maxProperties<T extends z.ZodType<Record<string, string>>>(map: T, max: number) {
  return map.refine((m) => Object.keys(m).length <= max, {
    message: `Too many: must have at most ${max} items`,
  });
}

/** True for an IPv4 or IPv6 address literal (the CRD's `format: ipv4`/`ipv6`). */
const ipAddress = z.union([z.ipv4(), z.ipv6()]);

/** An address `type`: IPAddress (the default), Hostname, NamedAddress or a domain-prefixed name. */
export const AddressType = z
  .string()
  .min(1)
  .max(253)
  .regex(ADDRESS_TYPE_PATTERN, { message: `must match ${ADDRESS_TYPE_PATTERN.source}` })
  .default('IPAddress');

/**
 * The CRDs' rules on an address `value` by its type: an IP literal for IPAddress (a `oneOf` of the schema),
 * a hostname for Hostname (a CEL rule, whose message differs between spec and status).
 */
export function checkAddressValue(
  a: { type: string; value?: string | undefined },
  ctx: z.RefinementCtx,
  hostnameMessage: string,
): void {
  if (a.value === undefined) return;
  if (a.type === 'IPAddress' && !ipAddress.safeParse(a.value).success) {
    ctx.addIssue({
      code: 'custom',
      path: ['value'],
      message: 'must be an IPv4 or IPv6 address when type is IPAddress',
    });
  }
  if (a.type === 'Hostname' && !ADDRESS_HOSTNAME.test(a.value)) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: hostnameMessage });
  }
}

/** GatewaySpecAddress: a requested address (IPAddress by default, or Hostname, or implementation-specific). */
export const GatewaySpecAddress = z
  .strictObject({ type: AddressType, value: z.string().max(253).optional() })
  .superRefine((a, ctx) =>
    checkAddressValue(
      a,
      ctx,
      `Hostname value must be empty or contain only valid characters (matching ${ADDRESS_HOSTNAME.source})`,
    ),
  );
export type GatewaySpecAddress = z.infer<typeof GatewaySpecAddress>;

function metadataMap(value: z.ZodType<string>, what: 'label' | 'annotation', max: number) {
  const title = what === 'label' ? 'Label' : 'Annotation';
  return maxProperties(z.record(z.string(), value), max).superRefine((map, ctx) => {
    for (const key of Object.keys(map)) {
      if (!METADATA_KEY.test(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${title} keys must be in the form of an optional DNS subdomain prefix followed by a required name segment of up to 63 characters.`,
        });
      } else if ((key.split('/')[0] ?? '').length >= 253) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `If specified, the ${what} key's prefix must be a DNS subdomain not longer than 253 characters in total.`,
        });
      }
    }
  });
}

/** GatewayInfrastructure: labels/annotations for generated resources and implementation parameters. */
export const GatewayInfrastructure = z.strictObject({
  labels: metadataMap(
    z
      .string()
      .max(63)
      .regex(LABEL_VALUE, { message: `must match ${LABEL_VALUE.source}` }),
    'label',
    8,
  ).optional(),
  annotations: metadataMap(z.string().max(4096), 'annotation', 16).optional(),
  parametersRef: LocalObjectReference.optional(),
});
export type GatewayInfrastructure = z.infer<typeof GatewayInfrastructure>;

const FrontendTLSValidation = z.strictObject({
  caCertificateRefs: z.array(ObjectReference).min(1).max(16),
  mode: z.enum(['AllowValidOnly', 'AllowInsecureFallback']).default('AllowValidOnly'),
});

const TLSConfig = z.strictObject({ validation: FrontendTLSValidation.optional() });

/** GatewayTLSConfigs: client-certificate validation per port (frontend) and the client cert for backends. */
export const GatewayTLS = z.strictObject({
  backend: z.strictObject({ clientCertificateRef: SecretObjectReference.optional() }).optional(),
  frontend: z
    .strictObject({
      default: TLSConfig,
      perPort: z
        .array(z.strictObject({ port: PortNumber, tls: TLSConfig }))
        .max(64)
        .superRefine((list, ctx) => {
          for (const i of duplicateIndices(list, (t) => String(t.port))) {
            ctx.addIssue({
              code: 'custom',
              path: [i, 'port'],
              message: 'Port for TLS configuration must be unique within the Gateway',
            });
          }
        })
        .optional(),
    })
    .optional(),
});
export type GatewayTLS = z.infer<typeof GatewayTLS>;

/** AllowedListeners: which namespaces' ListenerSets may attach (none by default). */
export const AllowedListeners = z.strictObject({
  namespaces: z
    .strictObject({
      from: z.enum(['All', 'Selector', 'Same', 'None']).default('None'),
      selector: LabelSelector.optional(),
    })
    .default(() => ({ from: 'None' as const })),
});
export type AllowedListeners = z.infer<typeof AllowedListeners>;

/** GatewaySpec (gateway.networking.k8s.io/v1). */
export const GatewaySpec = z.strictObject({
  gatewayClassName: ObjectName,
  listeners: z.array(Listener).min(1).max(64).superRefine(checkListeners),
  addresses: z
    .array(GatewaySpecAddress)
    .max(16)
    .superRefine((addresses, ctx) => {
      for (const type of ['IPAddress', 'Hostname'] as const) {
        const same = addresses
          .map((a, i) => [a, i] as const)
          .filter(([a]) => a.type === type && a.value !== undefined);
        for (const dup of duplicateIndices(same, ([a]) => a.value ?? '')) {
          ctx.addIssue({
            code: 'custom',
            path: [same[dup]?.[1] ?? 0, 'value'],
            message: `${type} values must be unique`,
          });
        }
      }
    })
    .optional(),
  infrastructure: GatewayInfrastructure.optional(),
  allowedListeners: AllowedListeners.optional(),
  tls: GatewayTLS.optional(),
});
export type GatewaySpec = z.infer<typeof GatewaySpec>;
export type GatewaySpecInput = z.input<typeof GatewaySpec>;
