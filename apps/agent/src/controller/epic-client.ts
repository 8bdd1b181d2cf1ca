import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** The EPIC API answered with an error: its message is what users see (GatewayClass InvalidParameters). */
export class EpicApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** The EPIC API could not be reached (connection, TLS, timeout): the caller retries with backoff. */
export class EpicUnreachableError extends Error {}

export interface EpicClientOptions {
  apiUrl: string;
  apiKey: string;
  /** PEM; when given, the only roots that verify the API's certificate. Verification is never switched off. */
  caBundle?: string | undefined;
  timeoutMs?: number;
}

export interface StoredCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration: number;
  lastTransitionTime: string;
}
export interface EpicListenerStatus {
  name: string;
  attachedRoutes: number;
  supportedKinds: Array<{ group: string; kind: string }>;
  conditions: StoredCondition[];
}
export interface EpicGatewayState {
  clientUid: string;
  id: string;
  address: string | null;
  dnsName: string | null;
  observedClientGeneration: number | null;
  conditions: StoredCondition[];
  listeners: EpicListenerStatus[];
  /** GEP-1713 `status.attachedListenerSets`; null: absent (the Gateway has nothing to do with ListenerSets). */
  attachedListenerSets: number | null;
}
export interface EpicRouteParent {
  gatewayId: string;
  parentRef: Record<string, unknown>;
  controllerName: string;
  conditions: StoredCondition[];
}
export interface EpicRouteState {
  clientUid: string;
  id: string;
  kind: string;
  observedClientGeneration: number | null;
  parents: EpicRouteParent[];
}
/** EPIC's entries for one BackendTLSPolicy: one ancestor (a Gateway) per gateway whose backends it targets. */
export interface EpicPolicyState {
  clientUid: string;
  id: string;
  observedClientGeneration: number | null;
  ancestors: Array<{
    gatewayId: string;
    ancestorRef: Record<string, unknown>;
    controllerName: string;
    conditions: StoredCondition[];
  }>;
}
/** EPIC's status of one ListenerSet (GEP-1713), written by its parent gateway: wholly ours. */
export interface EpicListenerSetState {
  clientUid: string;
  id: string;
  observedClientGeneration: number | null;
  gatewayId: string | null;
  conditions: StoredCondition[];
  listeners: EpicListenerStatus[];
}
export interface EpicClusterState {
  gateways: EpicGatewayState[];
  routes: EpicRouteState[];
  backendTlsPolicies: EpicPolicyState[];
  listenerSets: EpicListenerSetState[];
}
/** The collections of POST /clusters/{id}/sync. */
export type SyncCollection =
  | 'gateways'
  | 'routes'
  | 'services'
  | 'endpointSlices'
  | 'referenceGrants'
  | 'namespaces'
  | 'caBundles'
  | 'backendTlsPolicies'
  | 'listenerSets';
export type SyncRequest = Record<SyncCollection, unknown[]> & {
  full: boolean;
  deleted: Record<SyncCollection, string[]>;
  /** With `full`: uids of the full set sent by earlier calls (not deleted, not sent again). */
  keep?: Record<SyncCollection, string[]>;
};
export interface SyncError {
  kind:
    | 'Gateway'
    | 'Route'
    | 'Service'
    | 'EndpointSlice'
    | 'ReferenceGrant'
    | 'Namespace'
    | 'CaBundle'
    | 'BackendTLSPolicy'
    | 'ListenerSet';
  clientUid: string;
  message: string;
}
export interface SyncResult extends EpicClusterState {
  upserted: number;
  deleted: number;
  errors: SyncError[];
}

/** The calls the controller makes to the EPIC REST API (/api/v1), with one account's API key. */
export class EpicClient {
  private readonly base: URL;

  constructor(private readonly opts: EpicClientOptions) {
    this.base = new URL(opts.apiUrl.endsWith('/') ? opts.apiUrl : `${opts.apiUrl}/`);
  }

  private call<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
    const url = new URL(`api/v1${path}`, this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          headers: {
            authorization: `Bearer ${this.opts.apiKey}`,
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
          ...(this.opts.caBundle ? { ca: this.opts.caBundle } : {}),
          timeout: this.opts.timeoutMs ?? 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(new EpicUnreachableError(`EPIC API ${url.host}: ${e.message}`)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            if (status >= 200 && status < 300) return resolve(parsed as T);
            const err = (parsed ?? {}) as { error?: string; message?: string };
            // 5xx and 429 are the API being away or busy, not an answer about these parameters.
            if (status >= 500 || status === 429)
              return reject(new EpicUnreachableError(`EPIC API answered ${status}: ${err.message ?? text}`));
            reject(new EpicApiError(status, err.error, err.message ?? `HTTP ${status}`));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (e: NodeJS.ErrnoException) => {
        // A certificate that does not verify is a wrong caBundle or apiUrl: retrying will not fix it.
        if (/CERT|SIGNATURE|ALTNAME|SELF_SIGNED/.test(e.code ?? ''))
          reject(new EpicApiError(0, 'TLS', `TLS verification of ${url.host} failed: ${e.message}`));
        else reject(new EpicUnreachableError(`EPIC API ${url.host}: ${e.message}`));
      });
      req.end(payload);
    });
  }

  whoami() {
    return this.call<{ accountId: string; accountName: string; role: string }>('GET', '/whoami');
  }
  listClusters() {
    return this.call<{ items: Array<{ id: string; name: string }> }>('GET', '/clusters');
  }
  createCluster(name: string) {
    return this.call<{ id: string; name: string }>('POST', '/clusters', {
      name,
      description: 'registered by the EPIC Gateway controller',
    });
  }
  listTemplates() {
    return this.call<{ items: Array<{ name: string }> }>('GET', '/templates');
  }
  features() {
    return this.call<{ supportedFeatures: string[] }>('GET', '/features');
  }
  sync(clusterId: string, body: SyncRequest) {
    return this.call<SyncResult>('POST', `/clusters/${encodeURIComponent(clusterId)}/sync`, body);
  }
  /** A listener certificate: created or replaced by namespace/name (the key is stored encrypted). */
  putCertificate(body: { namespace: string; name: string; certificate: string; privateKey: string }) {
    return this.call<{ id: string }>('PUT', '/certificates', body);
  }
  status(clusterId: string) {
    return this.call<EpicClusterState>('GET', `/clusters/${encodeURIComponent(clusterId)}/status`);
  }
}
