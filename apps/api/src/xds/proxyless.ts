import { createHash } from 'node:crypto';
import { LISTENER, ROUTE, type JsonObject, type JsonValue } from '@epic/envoy-proto';
import type { ResourceInput, SnapshotInput } from '@epic/xds-server';

/**
 * Proxyless gRPC clients (grpc-js-xds, grpc-go, Istio's proxyless mode) resolve `xds:///<host>[:<port>]` by
 * asking LDS for a Listener named exactly `<host>[:<port>]` whose `api_listener` holds an
 * HttpConnectionManager, then pick the virtual host matching the whole target authority (port included).
 * The translator renders socket listeners for Envoy; this derives, from the same revision, the variant such
 * clients need (see docs/adr/0402-proxyless-grpc.md). CDS, EDS and SDS are passed through unchanged.
 */
export const PROXYLESS_SUFFIX = '.grpc';

const HCM =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** The node id under which proxyless clients of a gateway subscribe. */
export const proxylessNodeId = (nodeId: string): string => `${nodeId}${PROXYLESS_SUFFIX}`;

const isObject = (v: JsonValue | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const objects = (v: JsonValue | undefined): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);

interface HttpPort {
  port: number;
  routeConfigName: string;
}

/** Plaintext HTTP listeners (port, RDS name). TLS listeners are left out: proxyless clients would need TLS too. */
function httpPorts(listeners: readonly ResourceInput[]): HttpPort[] {
  const out: HttpPort[] = [];
  for (const { resource } of listeners) {
    const address =
      isObject(resource.address) && isObject(resource.address.socketAddress)
        ? resource.address.socketAddress
        : undefined;
    const port = Number(address?.portValue);
    if (!Number.isInteger(port) || port <= 0) continue;
    for (const chain of objects(resource.filterChains)) {
      if (chain.transportSocket !== undefined) continue;
      for (const filter of objects(chain.filters)) {
        const hcm = filter.typedConfig;
        if (!isObject(hcm) || hcm['@type'] !== HCM || !isObject(hcm.rds)) continue;
        const name = hcm.rds.routeConfigName;
        if (typeof name === 'string') out.push({ port, routeConfigName: name });
      }
    }
  }
  return out.sort((a, b) => a.port - b.port || a.routeConfigName.localeCompare(b.routeConfigName));
}

function apiListener(name: string, routeConfigName: string): JsonObject {
  return {
    name,
    apiListener: {
      apiListener: {
        '@type': HCM,
        statPrefix: name.replace(/[^A-Za-z0-9_]/g, '_'),
        rds: { routeConfigName, configSource: { ads: {}, resourceApiVersion: 'V3' } },
        // gRPC clients only run the router; template HTTP filters (ext_authz, rate limits) are Envoy's.
        httpFilters: [{ name: 'envoy.filters.http.router', typedConfig: { '@type': ROUTER } }],
      },
    },
  };
}

/** A version for derived content: equal content, equal version, in every replica and after restarts. */
const contentVersion = (resources: readonly ResourceInput[]): string =>
  `c-${createHash('sha256').update(JSON.stringify(resources)).digest('base64url').slice(0, 12)}`;

/**
 * The proxyless variant of a gateway snapshot: one api-listener per virtual-host domain (`<host>`, served by
 * the lowest HTTP port carrying it, and `<host>:<port>`), and RouteConfigurations whose virtual hosts also
 * list `<domain>:<port>` (Envoy strips the port before matching; gRPC clients match the authority as given).
 * Wildcard domains get no listener (no client can dial `*.example.com`), but still match through RDS.
 */
export function proxylessSnapshot(input: SnapshotInput): SnapshotInput {
  const ports = httpPorts(input.resources[LISTENER] ?? []);
  const portsOfRoute = new Map<string, number[]>();
  for (const p of ports)
    portsOfRoute.set(p.routeConfigName, [...(portsOfRoute.get(p.routeConfigName) ?? []), p.port]);
  const listeners = new Map<string, JsonObject>();
  const routes: ResourceInput[] = [];
  const routesByName = new Map((input.resources[ROUTE] ?? []).map((r) => [r.name, r.resource]));
  for (const { port, routeConfigName } of ports) {
    const rc = routesByName.get(routeConfigName);
    if (!rc) continue;
    for (const vh of objects(rc.virtualHosts)) {
      for (const domain of Array.isArray(vh.domains) ? vh.domains : []) {
        if (typeof domain !== 'string' || domain.includes('*')) continue;
        if (!listeners.has(domain)) listeners.set(domain, apiListener(domain, routeConfigName));
        listeners.set(`${domain}:${port}`, apiListener(`${domain}:${port}`, routeConfigName));
      }
    }
  }
  for (const r of input.resources[ROUTE] ?? []) {
    const rcPorts = portsOfRoute.get(r.name) ?? [];
    if (rcPorts.length === 0) {
      routes.push(r);
      continue;
    }
    const virtualHosts = objects(r.resource.virtualHosts).map((vh) => {
      const domains = (Array.isArray(vh.domains) ? vh.domains : []).filter(
        (d): d is string => typeof d === 'string',
      );
      const withPorts = domains.flatMap((d) => (d === '*' ? [d] : [d, ...rcPorts.map((p) => `${d}:${p}`)]));
      return { ...vh, domains: [...new Set(withPorts)] };
    });
    routes.push({ name: r.name, resource: { ...r.resource, virtualHosts } });
  }
  // The proxyless listeners and routes derive from both LDS and RDS, so neither per-type version persisted with
  // the revision describes them; a content version is the same in every replica and after a restart.
  const proxylessListeners = [...listeners].map(([name, resource]) => ({ name, resource }));
  const typeVersions = {
    ...input.typeVersions,
    [LISTENER]: contentVersion(proxylessListeners),
    [ROUTE]: contentVersion(routes),
  };
  return {
    ...input,
    resources: {
      ...input.resources,
      [LISTENER]: proxylessListeners,
      [ROUTE]: routes,
    },
    typeVersions,
  };
}
