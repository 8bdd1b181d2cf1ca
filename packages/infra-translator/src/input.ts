// What the infrastructure translator reads: one gateway, its template, and the Envoy bootstrap the API's
// generator produced for it (with the gateway's xDS token). Everything is plain data; nothing is read here.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface InfraListener {
  name: string;
  port: number;
  protocol: string;
}

export interface InfraGateway {
  /** The gateway's id (UUID): hashed into object names, the stable owning label. */
  id: string;
  /** The Gateway's name and namespace in the client cluster. */
  name: string;
  namespace: string;
  /** The public address allocated to the gateway, if any (carried by the Multus annotation). */
  address?: string | null;
  listeners: readonly InfraListener[];
  /** Gateway `spec.infrastructure`: copied onto every per-gateway object and the pod template. */
  infrastructure?: {
    labels?: Readonly<Record<string, string>>;
    annotations?: Readonly<Record<string, string>>;
  };
}

/** A PodDisruptionBudget's one bound: an integer or a percentage ("50%"). */
export type DisruptionBound = { minAvailable: number | string } | { maxUnavailable: number | string };

/** Template settings of the fleet beyond image and replicas (the Template's `infrastructure` JSON). */
export interface TemplateInfrastructure {
  /** Attach each Envoy to this Multus network with the gateway's public address. */
  multus?: { network: string; namespace?: string; interface?: string };
  /** PodDisruptionBudget; by default (unset) one is made only for more than one replica: maxUnavailable 1. */
  podDisruptionBudget?: DisruptionBound | false;
  /** Container resources; default requests 100m CPU / 128Mi memory. */
  resources?: {
    requests?: Readonly<Record<string, string>>;
    limits?: Readonly<Record<string, string>>;
  };
  /** Seconds Envoy drains its listeners on termination before it is stopped; default 15. */
  drainSeconds?: number;
}

export interface InfraTemplate {
  name: string;
  envoyImage: string;
  replicas: number;
  infrastructure?: TemplateInfrastructure;
}

export interface InfraInput {
  /** The account's name (a DNS label): the namespace is `epic-<account>`. */
  account: string;
  gateway: InfraGateway;
  template: InfraTemplate;
  /**
   * The Envoy bootstrap from the API's generator (proto3 JSON), xDS credentials included. The translator splits
   * the credential-bearing `dynamicResources.adsConfig` into the xDS credentials Secret (mounted, `-c`) and
   * passes the rest inline (`--config-yaml`), so the Deployment itself never carries the token.
   */
  bootstrap: JsonObject;
  /** When the xDS credential expires (ISO 8601); written on the Secret. A new credential rolls the pods. */
  credentialsExpireAt: string;
}
