// Gateway + template + bootstrap → the Kubernetes objects of the gateway's Envoy fleet in the account namespace.
// Pure: no clock, no I/O; the same input gives byte-identical output (object keys in a fixed order).
import type { InfraInput, Json, JsonObject, TemplateInfrastructure } from './input.js';
import { accountNamespace, fleetName, sha256Hex } from './names.js';

export const MANAGED_BY = 'epic';
export const LABEL_GATEWAY_ID = 'epic-gateway.io/gateway-id';
export const LABEL_ACCOUNT = 'epic-gateway.io/account';
export const LABEL_USER_NAMESPACE = 'epic-gateway.io/user-namespace';
export const LABEL_GATEWAY_NAME = 'gateway.networking.k8s.io/gateway-name';
export const LABEL_GATEWAY_NAMESPACE = 'epic-gateway.io/gateway-namespace';
export const ANNOTATION_CREDENTIALS_HASH = 'epic-gateway.io/xds-credentials-hash';
export const ANNOTATION_CREDENTIALS_EXPIRE = 'epic-gateway.io/xds-credentials-expire-at';
export const MULTUS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';

/** The port of the static listener that exposes only Envoy admin's /ready and /stats/prometheus. */
export const READY_PORT = 19001;
export const DEFAULT_ADMIN_PORT = 19000;
const CREDENTIALS_DIR = '/etc/envoy-xds';
const CREDENTIALS_FILE = 'credentials.json';
const DEFAULT_DRAIN_SECONDS = 15;

export interface KubeObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string; namespace?: string };
}

/** Kinds of the per-gateway objects, in apply order (the root first: everything else is owned by it). */
export const OWNED_KINDS = [
  { apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts' },
  { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' },
  { apiVersion: 'v1', kind: 'Service', plural: 'services' },
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', plural: 'networkpolicies' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', plural: 'podmonitors' },
] as const;

export interface InfraObjects {
  /** The account namespace (shared by the account's gateways; removed with the last one). */
  namespace: KubeObject;
  /**
   * The fleet's root: a ConfigMap naming the gateway. Every other object has an ownerReference to it, so
   * deleting the root lets the garbage collector take the rest.
   */
  root: KubeObject;
  /** ServiceAccount, Secret, Service, Deployment, PodDisruptionBudget, NetworkPolicy, PodMonitor (as desired). */
  owned: KubeObject[];
}

export interface TranslateOptions {
  /** The root's uid once it exists: owned objects then carry an ownerReference to it. */
  rootUid?: string;
}

/** The labels that select a fleet's pods and find its objects: stable for the gateway's lifetime. */
export function ownerLabels(gatewayId: string): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': MANAGED_BY,
    'app.kubernetes.io/name': 'envoy',
    [LABEL_GATEWAY_ID]: gatewayId,
  };
}

/** Label selector (query form) of every object EPIC provisions, or of one gateway's objects. */
export function ownerSelector(gatewayId?: string): string {
  const base = `app.kubernetes.io/managed-by=${MANAGED_BY},app.kubernetes.io/name=envoy`;
  return gatewayId ? `${base},${LABEL_GATEWAY_ID}=${gatewayId}` : `${base},${LABEL_GATEWAY_ID}`;
}

const sortedRecord = (r: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Label values must be ≤ 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric. */
function labelValue(v: string): string {
  const cleaned = v.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** IANA service name for a port: ≤ 15 characters, [a-z0-9-], a letter, no '--'. */
/** The Kubernetes port protocol a Gateway listener protocol is carried over: UDP for UDP, else TCP. */
export function transportOf(protocol: string): 'TCP' | 'UDP' {
  return protocol === 'UDP' ? 'UDP' : 'TCP';
}

function portName(protocol: string, port: number): string {
  const p = protocol.toLowerCase().replace(/[^a-z0-9]+/g, '');
  const prefix = (p || 'tcp').slice(0, 15 - String(port).length - 1);
  return `${prefix}-${port}`;
}

const prefixLength = (address: string) => (address.includes(':') ? 128 : 32);

/** The pieces of the bootstrap: what goes inline and what goes into the credentials Secret. */
export function splitBootstrap(
  bootstrap: JsonObject,
  adminPort: number,
): { inline: JsonObject; credentials: JsonObject } {
  const dynamic = (bootstrap.dynamicResources ?? {}) as JsonObject;
  const { adsConfig, ...restDynamic } = dynamic;
  const statics = (bootstrap.staticResources ?? {}) as JsonObject;
  const clusters = Array.isArray(statics.clusters) ? statics.clusters : [];
  const listeners = Array.isArray(statics.listeners) ? statics.listeners : [];
  const inline: JsonObject = {
    ...bootstrap,
    dynamicResources: restDynamic,
    staticResources: {
      ...statics,
      listeners: [...listeners, readyListener()],
      clusters: [...clusters, adminCluster(adminPort)],
    },
  };
  return { inline, credentials: { dynamicResources: { adsConfig: adsConfig ?? {} } } };
}

const ADMIN_CLUSTER = 'epic_admin';

/** A static listener on all addresses that answers only Envoy admin's /ready and /stats/prometheus. */
function readyListener(): JsonObject {
  const route = (path: string): JsonObject => ({
    match: { path, headers: [{ name: ':method', stringMatch: { exact: 'GET' } }] },
    route: { cluster: ADMIN_CLUSTER },
  });
  return {
    name: 'epic_ready',
    address: { socketAddress: { address: '0.0.0.0', portValue: READY_PORT } },
    filterChains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typedConfig: {
              '@type':
                'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              statPrefix: 'epic_ready',
              routeConfig: {
                name: 'epic_ready',
                virtualHosts: [
                  {
                    name: 'epic_ready',
                    domains: ['*'],
                    routes: [route('/ready'), route('/stats/prometheus')],
                  },
                ],
              },
              httpFilters: [
                {
                  name: 'envoy.filters.http.router',
                  typedConfig: {
                    '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
                  },
                },
              ],
            },
          },
        ],
      },
    ],
  };
}

function adminCluster(adminPort: number): JsonObject {
  return {
    name: ADMIN_CLUSTER,
    type: 'STATIC',
    connectTimeout: '1s',
    loadAssignment: {
      clusterName: ADMIN_CLUSTER,
      endpoints: [
        {
          lbEndpoints: [
            { endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: adminPort } } } },
          ],
        },
      ],
    },
  };
}

/** The bootstrap's node id (the gateway's fleet-wide one), if it has one. */
function nodeIdOf(bootstrap: JsonObject): string | undefined {
  const id = (bootstrap.node as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

function adminPortOf(bootstrap: JsonObject): number {
  const admin = bootstrap.admin as { address?: { socketAddress?: { portValue?: number } } } | undefined;
  return admin?.address?.socketAddress?.portValue ?? DEFAULT_ADMIN_PORT;
}

function disruptionBudget(t: TemplateInfrastructure | undefined, replicas: number): JsonObject | undefined {
  const configured = t?.podDisruptionBudget;
  if (configured === false) return undefined;
  if (configured) return { ...configured };
  return replicas > 1 ? { maxUnavailable: 1 } : undefined;
}

/** The drain on termination: ask Envoy admin (bash's /dev/tcp: the image has no curl) to drain, then wait. */
function preStopCommand(adminPort: number, drainSeconds: number): string[] {
  return [
    '/bin/bash',
    '-c',
    `exec 3<>/dev/tcp/127.0.0.1/${adminPort} && printf 'POST /drain_listeners?graceful&inboundonly HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3 >/dev/null; sleep ${drainSeconds}`,
  ];
}

/** Translates one gateway's fleet. Inputs are read only. */
export function translateInfrastructure(input: InfraInput, options: TranslateOptions = {}): InfraObjects {
  const { gateway, template } = input;
  const namespace = accountNamespace(input.account);
  const name = fleetName(gateway);
  const selector = ownerLabels(gateway.id);
  const infraLabels = gateway.infrastructure?.labels ?? {};
  const infraAnnotations = gateway.infrastructure?.annotations ?? {};
  // Our owning labels win over same-named infrastructure labels: selectors and pruning rely on them.
  const labels = sortedRecord({
    ...infraLabels,
    ...selector,
    'app.kubernetes.io/component': 'proxy',
    [LABEL_ACCOUNT]: labelValue(input.account),
    [LABEL_GATEWAY_NAME]: labelValue(gateway.name),
    [LABEL_GATEWAY_NAMESPACE]: labelValue(gateway.namespace),
  });
  const annotations = sortedRecord({ ...infraAnnotations });
  const ownerReferences: Json[] | undefined = options.rootUid
    ? [{ apiVersion: 'v1', kind: 'ConfigMap', name, uid: options.rootUid, controller: true }]
    : undefined;
  const meta = (extraAnnotations: Record<string, string> = {}, owned = true): KubeObject['metadata'] => {
    const all = sortedRecord({ ...annotations, ...extraAnnotations });
    return {
      name,
      namespace,
      labels,
      ...(Object.keys(all).length > 0 ? { annotations: all } : {}),
      ...(ownerReferences && owned ? { ownerReferences } : {}),
    };
  };

  const adminPort = adminPortOf(input.bootstrap);
  const fleetNodeId = nodeIdOf(input.bootstrap);
  const { inline, credentials } = splitBootstrap(input.bootstrap, adminPort);
  const credentialsJson = JSON.stringify(credentials);
  const credentialsHash = sha256Hex(credentialsJson).slice(0, 16);
  const drainSeconds = template.infrastructure?.drainSeconds ?? DEFAULT_DRAIN_SECONDS;

  // One port per number and transport: a UDP listener (UDPRoute) is a port of its own beside a TCP one.
  const ports = [
    ...new Map(gateway.listeners.map((l) => [`${transportOf(l.protocol)}/${l.port}`, l])).values(),
  ].sort((a, b) => a.port - b.port || transportOf(a.protocol).localeCompare(transportOf(b.protocol)));
  const containerPorts: Json[] = [
    ...ports.map((l) => ({
      name: portName(l.protocol, l.port),
      containerPort: l.port,
      protocol: transportOf(l.protocol),
    })),
    { name: 'metrics', containerPort: READY_PORT, protocol: 'TCP' },
  ];

  const podAnnotations: Record<string, string> = {
    ...infraAnnotations,
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': String(READY_PORT),
    'prometheus.io/path': '/stats/prometheus',
    [ANNOTATION_CREDENTIALS_HASH]: credentialsHash,
  };
  const multus = template.infrastructure?.multus;
  if (multus) {
    const attachment: JsonObject = { name: multus.network };
    if (multus.namespace) attachment.namespace = multus.namespace;
    if (multus.interface) attachment.interface = multus.interface;
    if (gateway.address) attachment.ips = [`${gateway.address}/${prefixLength(gateway.address)}`];
    podAnnotations[MULTUS_ANNOTATION] = JSON.stringify([attachment]);
  }

  const resources = template.infrastructure?.resources ?? { requests: { cpu: '100m', memory: '128Mi' } };
  const spread = (topologyKey: string): JsonObject => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: selector },
  });

  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(),
    spec: {
      replicas: template.replicas,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels, annotations: sortedRecord(podAnnotations) },
        spec: {
          serviceAccountName: name,
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: drainSeconds + 15,
          topologySpreadConstraints: [
            spread('kubernetes.io/hostname'),
            spread('topology.kubernetes.io/zone'),
          ],
          containers: [
            {
              name: 'envoy',
              image: template.envoyImage,
              // The image's entrypoint prepends `envoy` to arguments that start with '-'.
              args: [
                '-c',
                `${CREDENTIALS_DIR}/${CREDENTIALS_FILE}`,
                '--config-yaml',
                JSON.stringify(inline),
                '--log-level',
                'info',
                '--drain-time-s',
                String(drainSeconds),
                '--drain-strategy',
                'immediate',
                // Each pod its own xDS node id, `<fleet node id>/<pod>`: the xDS plane records ACKs per proxy
                // (docs/adr/0502-per-proxy-acks.md); the kubelet expands $(POD_NAME).
                ...(fleetNodeId ? ['--service-node', `${fleetNodeId}/$(POD_NAME)`] : []),
              ],
              ...(fleetNodeId
                ? { env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }
                : {}),
              ports: containerPorts,
              readinessProbe: {
                httpGet: { path: '/ready', port: READY_PORT, scheme: 'HTTP' },
                periodSeconds: 5,
                timeoutSeconds: 1,
                successThreshold: 1,
                failureThreshold: 1,
              },
              lifecycle: { preStop: { exec: { command: preStopCommand(adminPort, drainSeconds) } } },
              resources: resources as JsonObject,
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
              },
              volumeMounts: [{ name: 'xds-credentials', mountPath: CREDENTIALS_DIR, readOnly: true }],
            },
          ],
          volumes: [{ name: 'xds-credentials', secret: { secretName: name, defaultMode: 0o440 } }],
        },
      },
    },
  };

  const owned: KubeObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(), automountServiceAccountToken: false },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta({ [ANNOTATION_CREDENTIALS_EXPIRE]: input.credentialsExpireAt }),
      type: 'Opaque',
      data: { [CREDENTIALS_FILE]: Buffer.from(credentialsJson, 'utf8').toString('base64') },
    },
  ];
  // A ClusterIP Service needs at least one port: a gateway without listeners has none.
  if (ports.length > 0) {
    owned.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(),
      spec: {
        type: 'ClusterIP',
        selector,
        ports: ports.map((l) => ({
          name: portName(l.protocol, l.port),
          port: l.port,
          targetPort: l.port,
          protocol: transportOf(l.protocol),
        })),
      },
    });
  }
  owned.push(deployment);
  const pdb = disruptionBudget(template.infrastructure, template.replicas);
  if (pdb) {
    owned.push({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(),
      spec: { ...pdb, selector: { matchLabels: selector } },
    });
  }
  const ingress: Json[] = [];
  // Listener ports are public: from anywhere. Metrics and readiness: from pods of the EPIC cluster only.
  if (ports.length > 0)
    ingress.push({ ports: ports.map((l) => ({ protocol: transportOf(l.protocol), port: l.port })) });
  ingress.push({ from: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: READY_PORT }] });
  owned.push({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(),
    spec: { podSelector: { matchLabels: selector }, policyTypes: ['Ingress'], ingress },
  });
  owned.push({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: meta(),
    spec: {
      selector: { matchLabels: selector },
      podMetricsEndpoints: [{ port: 'metrics', path: '/stats/prometheus' }],
    },
  });

  return {
    namespace: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        labels: sortedRecord({
          'app.kubernetes.io/managed-by': MANAGED_BY,
          [LABEL_ACCOUNT]: labelValue(input.account),
          [LABEL_USER_NAMESPACE]: 'true',
        }),
      },
    },
    root: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta({}, false),
      data: {
        account: input.account,
        'gateway-id': gateway.id,
        'gateway-name': gateway.name,
        'gateway-namespace': gateway.namespace,
        template: template.name,
      },
    },
    owned,
  };
}
