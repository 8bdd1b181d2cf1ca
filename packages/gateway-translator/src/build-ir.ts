import { addressVerdict, parametersVerdict, type AddressVerdict } from './addresses.js';
import { applyBackendTlsPolicies, type BackendTlsResult } from './backend-tls.js';
import { BackendResolver, compareStrings } from './backends.js';
import { condition, ConditionType, Reason, type Condition } from './conditions.js';
import { hostnameMatches, hostnameSpecificity, intersectHostnames } from './hostnames.js';
import type { ParentRef, RequestRedirect, RouteInput, TranslateInput } from './input.js';
import {
  INVALID_BACKEND_CLUSTER,
  type IR,
  type IRCluster,
  type IRFilterChain,
  type IRListener,
  type IRRedirect,
  type IRRoute,
  type IRRouteConfig,
  type IRSecret,
  type IRUdpListener,
  type IRVirtualHost,
} from './ir.js';
import { analyzeListeners, type AnalyzedListener } from './listeners.js';
import {
  namesGateway,
  attachedListenerSetCount,
  attachedListenerSetsCondition,
  listenerSetStatuses,
  mergeListenerSets,
  type ListenerSetVerdict,
} from './listener-sets.js';
import { compareMatchEntries, compareRoutes, type MatchEntry } from './precedence.js';
import { GATEWAY_GROUP, namespaceLabels, selectorMatches } from './references.js';
import { pathRewrite, resolveRoute, type ResolvedRoute } from './rules.js';
import type { NormalizedParentRef, RouteParentStatus, RouteStatus, TranslateStatus } from './status.js';

export interface BuildResult {
  ir: IR;
  status: TranslateStatus;
}

/** A route attached to one listener, with the hostnames it serves there. */
interface Attachment {
  resolved: ResolvedRoute;
  listener: AnalyzedListener;
  hostnames: string[];
}

const HOSTNAMED_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute']);
const WELL_KNOWN_PORT: Record<string, number> = { http: 80, https: 443 };

/**
 * Stage 1: Gateway API resources of one gateway → IR + status. Pure and total: a broken listener, route or
 * reference becomes a condition and the rest still translates.
 */
export function buildIR(input: TranslateInput): BuildResult {
  const { gateway } = input;
  const own = analyzeListeners(gateway, input.certificates, input.referenceGrants, input.caBundles ?? []);
  // A gateway that is not accepted serves nothing: its parameters do not resolve, or it asks for an address
  // type there is no support for.
  const parameters = parametersVerdict(gateway.invalidParameters, gateway.generation);
  const addresses =
    parameters.accepted !== undefined ? parameters : addressVerdict(gateway.addresses, gateway.generation);
  const ownConditions = gatewayConditions(own, gateway.generation, addresses);
  const gatewayAccepted = ownConditions.some((c) => c.type === ConditionType.Accepted && c.status === 'True');
  // GEP-1713: the merged list, the Gateway's own listeners first, then its attached ListenerSets'.
  const verdicts = mergeListenerSets(input, own, gatewayAccepted);
  const listeners = [...own, ...verdicts.flatMap((v) => v.listeners)];
  const backends = new BackendResolver(input.services, input.referenceGrants);
  const routes = [...input.routes].sort(
    (a, b) =>
      compareStrings(a.kind, b.kind) ||
      compareStrings(a.namespace, b.namespace) ||
      compareStrings(a.name, b.name),
  );

  const attachments: Attachment[] = [];
  const routeStatuses: RouteStatus[] = [];
  const attachedCount = new Map<AnalyzedListener, Set<string>>();

  for (const route of routes) {
    const resolved = resolveRoute(route, backends);
    const parents: RouteParentStatus[] = [];
    for (const [index, ref] of (route.spec.parentRefs ?? []).entries()) {
      if (route.parentRefIndexes !== undefined && !route.parentRefIndexes.includes(index)) continue;
      const parentRef = normalizeParentRef(ref, route.namespace);
      if (!targetsGateway(parentRef, input, verdicts)) continue;
      const { accepted, attached } = attach(resolved, parentRef, listeners, input, verdicts);
      for (const a of attached) {
        attachments.push({ resolved, listener: a.listener, hostnames: a.hostnames });
        const set = attachedCount.get(a.listener) ?? new Set<string>();
        set.add(`${route.kind}/${route.namespace}/${route.name}`);
        attachedCount.set(a.listener, set);
      }
      parents.push({ parentRef, conditions: [accepted, resolvedRefsCondition(resolved, route.generation)] });
    }
    routeStatuses.push({
      id: route.id,
      kind: route.kind,
      namespace: route.namespace,
      name: route.name,
      parents,
    });
  }

  // A gateway that is not accepted (parameters that do not resolve, an unsupported address type) serves nothing;
  // its routes stay attached.
  const irListeners = addresses.accepted ? [] : buildListeners(listeners, attachments);
  const udpListeners = addresses.accepted ? [] : buildUdpListeners(listeners, attachments);
  // UDP listeners' clusters are used too (they have no HTTP routes to collect them from).
  const collectAllUsed = () => {
    const u = collectUsed(irListeners);
    for (const l of udpListeners) for (const d of l.destinations) u.clusters.add(d.cluster);
    return u;
  };
  let used = collectAllUsed();
  const backendTls: BackendTlsResult | undefined =
    input.backendTlsPolicies !== undefined || gateway.tls?.backend?.clientCertificateRef !== undefined
      ? applyBackendTlsPolicies({
          gateway,
          policies: input.backendTlsPolicies ?? [],
          services: input.services,
          caBundles: input.caBundles ?? [],
          certificates: input.certificates,
          referenceGrants: input.referenceGrants,
          clusters: backends.clusters,
          used: used.clusters,
        })
      : undefined;
  if (backendTls !== undefined && backendTls.broken.size > 0) {
    breakClusters(irListeners, backendTls.broken);
    used = collectAllUsed();
  }
  const clusters: IRCluster[] = [...backends.clusters.values()]
    .filter((c) => used.clusters.has(c.name))
    .map((c) => {
      const tls = backendTls?.tls.get(c.name);
      return tls !== undefined ? { ...c, tls } : c;
    })
    .sort((a, b) => compareStrings(a.name, b.name));
  const secrets: IRSecret[] = [];
  const clientSecret = backendTls?.clientSecret;
  if (clientSecret !== undefined) secrets.push(clientSecret);
  for (const l of listeners) {
    for (const cert of l.certificates) {
      const name = secretName(cert.id);
      if (!used.secrets.has(name) || secrets.some((s) => s.name === name)) continue;
      secrets.push({
        name,
        certificate: { id: cert.id, namespace: cert.namespace, name: cert.name },
        certificatePem: cert.certificatePem,
        privateKey: cert.privateKey,
      });
    }
  }
  secrets.sort((a, b) => compareStrings(a.name, b.name));

  const ir: IR = {
    gateway: {
      id: gateway.id,
      accountId: gateway.accountId,
      namespace: gateway.namespace,
      name: gateway.name,
      address: gateway.address,
    },
    listeners: irListeners,
    clusters,
    secrets,
    ...(udpListeners.length > 0 ? { udpListeners } : {}),
  };
  const setStatuses = listenerSetStatuses(verdicts, (l) => attachedCount.get(l)?.size ?? 0);
  const attachedSets = attachedListenerSetCount(setStatuses);
  const setsCondition = attachedListenerSetsCondition(input, verdicts, attachedSets);
  const status: TranslateStatus = {
    gateway: {
      observedGeneration: gateway.generation,
      conditions: [
        ...ownConditions,
        ...(backendTls?.gatewayCondition !== undefined ? [backendTls.gatewayCondition] : []),
        ...(setsCondition !== undefined ? [setsCondition] : []),
      ],
      ...(setsCondition !== undefined ? { attachedListenerSets: attachedSets } : {}),
      listeners: own.map((l) => {
        const attachedRoutes = attachedCount.get(l)?.size ?? 0;
        return {
          name: l.spec.name,
          attachedRoutes,
          supportedKinds: l.supportedKinds.map((kind) => ({ group: GATEWAY_GROUP, kind })),
          conditions: l.conditions(attachedRoutes),
        };
      }),
    },
    routes: routeStatuses,
    ...(setStatuses.length > 0 ? { listenerSets: setStatuses } : {}),
  };
  if (input.backendTlsPolicies !== undefined) status.backendTlsPolicies = backendTls?.statuses ?? [];
  return { ir, status };
}

function secretName(certificateId: string): string {
  return `certificate/${certificateId}`;
}

function normalizeParentRef(ref: ParentRef, routeNamespace: string): NormalizedParentRef {
  const out: NormalizedParentRef = {
    group: ref.group ?? GATEWAY_GROUP,
    kind: ref.kind ?? 'Gateway',
    namespace: ref.namespace ?? routeNamespace,
    name: ref.name,
  };
  if (ref.sectionName !== undefined) out.sectionName = ref.sectionName;
  if (ref.port !== undefined) out.port = ref.port;
  return out;
}

function targetsGateway(
  ref: NormalizedParentRef,
  input: TranslateInput,
  verdicts: readonly ListenerSetVerdict[],
): boolean {
  if (ref.group !== GATEWAY_GROUP) return false;
  if (ref.kind === 'ListenerSet')
    return verdicts.some((v) => v.set.namespace === ref.namespace && v.set.name === ref.name);
  return ref.kind === 'Gateway' && namesGateway(input, ref.namespace, ref.name);
}

/** Whether a listener belongs to the parent a parentRef names: the Gateway itself or one ListenerSet. */
function ownedBy(l: AnalyzedListener, ref: NormalizedParentRef): boolean {
  if (ref.kind === 'ListenerSet')
    return l.owner !== undefined && l.owner.namespace === ref.namespace && l.owner.name === ref.name;
  return l.owner === undefined;
}

function attach(
  resolved: ResolvedRoute,
  ref: NormalizedParentRef,
  listeners: readonly AnalyzedListener[],
  input: TranslateInput,
  verdicts: readonly ListenerSetVerdict[],
): { accepted: Condition; attached: { listener: AnalyzedListener; hostnames: string[] }[] } {
  const { route } = resolved;
  const gen = route.generation;
  if (ref.kind === 'ListenerSet') {
    const verdict = verdicts.find((v) => v.set.namespace === ref.namespace && v.set.name === ref.name);
    if (verdict !== undefined && !verdict.attached) {
      return {
        accepted: condition(
          ConditionType.Accepted,
          false,
          Reason.NoMatchingParent,
          `ListenerSet ${ref.namespace}/${ref.name} is not attached to the Gateway (${verdict.refusal?.reason ?? 'NotAllowed'})`,
          gen,
        ),
        attached: [],
      };
    }
  }
  if (resolved.unsupported.length > 0) {
    return {
      accepted: condition(
        ConditionType.Accepted,
        false,
        Reason.UnsupportedValue,
        resolved.unsupported.join('; '),
        gen,
      ),
      attached: [],
    };
  }
  const candidates = listeners.filter(
    (l) =>
      l.accepted &&
      ownedBy(l, ref) &&
      (ref.sectionName === undefined || l.spec.name === ref.sectionName) &&
      (ref.port === undefined || l.spec.port === ref.port),
  );
  if (candidates.length === 0) {
    const what = [ref.sectionName && `sectionName ${ref.sectionName}`, ref.port && `port ${ref.port}`]
      .filter(Boolean)
      .join(' and ');
    return {
      accepted: condition(
        ConditionType.Accepted,
        false,
        Reason.NoMatchingParent,
        `no listener matches ${what || 'the parentRef'}`,
        gen,
      ),
      attached: [],
    };
  }
  const labels = namespaceLabels(input.namespaces, route.namespace);
  const allowed = candidates.filter((l) => {
    if (!l.supportedKinds.includes(route.kind)) return false;
    const ns = l.spec.allowedRoutes?.namespaces;
    const from = ns?.from ?? 'Same';
    if (from === 'All') return true;
    // Same: the namespace of the listener's parent (the ListenerSet's, for a ListenerSet listener; for the
    // Gateway's own, that of the Gateway object the parentRef names, one of a shared gateway's aliases).
    if (from === 'Same') return route.namespace === (l.owner?.namespace ?? ref.namespace);
    return ns?.selector !== undefined && selectorMatches(ns.selector, labels);
  });
  if (allowed.length === 0) {
    return {
      accepted: condition(
        ConditionType.Accepted,
        false,
        Reason.NotAllowedByListeners,
        `no listener allows ${route.kind}s from namespace ${route.namespace}`,
        gen,
      ),
      attached: [],
    };
  }
  const routeHostnames =
    HOSTNAMED_KINDS.has(route.kind) && 'hostnames' in route.spec ? (route.spec.hostnames ?? []) : [];
  const attached = allowed
    .map((listener) => ({
      listener,
      hostnames:
        route.kind === 'TCPRoute' || route.kind === 'UDPRoute'
          ? ['*']
          : intersectHostnames(listener.spec.hostname, routeHostnames),
    }))
    .filter((a) => a.hostnames.length > 0);
  if (attached.length === 0) {
    return {
      accepted: condition(
        ConditionType.Accepted,
        false,
        Reason.NoMatchingListenerHostname,
        'no listener hostname intersects the route hostnames',
        gen,
      ),
      attached: [],
    };
  }
  return {
    accepted: condition(ConditionType.Accepted, true, Reason.Accepted, 'route accepted', gen),
    attached,
  };
}

function resolvedRefsCondition(resolved: ResolvedRoute, gen: number): Condition {
  const first = resolved.problems[0];
  if (first === undefined)
    return condition(ConditionType.ResolvedRefs, true, Reason.ResolvedRefs, 'all references resolved', gen);
  return condition(
    ConditionType.ResolvedRefs,
    false,
    first.reason,
    resolved.problems.map((p) => p.message).join('; '),
    gen,
  );
}

function gatewayConditions(
  listeners: readonly AnalyzedListener[],
  gen: number,
  addresses: AddressVerdict,
): Condition[] {
  const [accepted, programmed] = listenerConditions(listeners, gen);
  const out = [addresses.accepted ?? accepted, addresses.programmed ?? programmed];
  // The spec asks for this condition whenever a listener accepts clients without a valid certificate.
  const insecure = listeners.filter(
    (l) => l.programmable && l.clientValidation?.mode === 'AllowInsecureFallback',
  );
  if (insecure.length > 0)
    out.push(
      condition(
        ConditionType.InsecureFrontendValidationMode,
        true,
        Reason.ConfigurationChanged,
        `listeners ${insecure.map((l) => l.spec.name).join(', ')} accept clients without a valid certificate (AllowInsecureFallback)`,
        gen,
      ),
    );
  return out;
}

function listenerConditions(listeners: readonly AnalyzedListener[], gen: number): [Condition, Condition] {
  const accepted = listeners.filter((l) => l.accepted).length;
  const programmable = listeners.filter((l) => l.programmable).length;
  const allValid = listeners.every((l) => l.programmable);
  return [
    accepted === 0
      ? condition(ConditionType.Accepted, false, Reason.ListenersNotValid, 'no listener is valid', gen)
      : allValid
        ? condition(ConditionType.Accepted, true, Reason.Accepted, 'gateway accepted', gen)
        : condition(
            ConditionType.Accepted,
            true,
            Reason.ListenersNotValid,
            'some listeners are not valid',
            gen,
          ),
    programmable === 0
      ? condition(ConditionType.Programmed, false, Reason.Invalid, 'no listener can be programmed', gen)
      : condition(
          ConditionType.Programmed,
          true,
          Reason.Programmed,
          `${programmable} listener(s) translated`,
          gen,
        ),
  ];
}

/** Envoy listeners, one per port, from the programmable Gateway listeners and what attached to them. */
function buildListeners(
  listeners: readonly AnalyzedListener[],
  attachments: readonly Attachment[],
): IRListener[] {
  const byPort = new Map<number, AnalyzedListener[]>();
  for (const l of listeners)
    if (l.programmable && l.spec.protocol !== 'UDP')
      byPort.set(l.spec.port, [...(byPort.get(l.spec.port) ?? []), l]);
  const out: IRListener[] = [];
  for (const port of [...byPort.keys()].sort((a, b) => a - b)) {
    const group = byPort.get(port) ?? [];
    const chains: IRFilterChain[] = [];
    const http = group.filter((l) => l.spec.protocol === 'HTTP');
    if (http.length > 0) {
      chains.push({
        kind: 'http',
        name: 'http',
        serverNames: [],
        tlsSecrets: [],
        routeConfig: routeConfig(`route/${port}`, http, attachments, 'http', port),
      });
    }
    // SNI names must be unique across a listener's chains; the first chain to claim a name keeps it.
    const claimed = new Set<string>();
    let defaultClaimed = false;
    const claim = (names: string[]): string[] | undefined => {
      if (names.length === 0) {
        if (defaultClaimed) return undefined;
        defaultClaimed = true;
        return [];
      }
      const free = names.filter((n) => !claimed.has(n));
      if (free.length === 0) return undefined;
      for (const n of free) claimed.add(n);
      return free;
    };
    const https: { listener: AnalyzedListener; serverNames: string[] }[] = [];
    for (const l of sortBySpecificity(group.filter((x) => x.spec.protocol === 'HTTPS'))) {
      const serverNames = claim(l.spec.hostname !== undefined ? [l.spec.hostname.toLowerCase()] : []);
      if (serverNames !== undefined) https.push({ listener: l, serverNames });
    }
    // A Host names the HTTPS listener whose hostname matches it most specifically, whichever chain the
    // TLS server name picked; a different one than the chain's is a misdirected request.
    const served = https.map((h) => h.listener);
    for (const { listener: l, serverNames } of https) {
      const rc = routeConfig(`route/${port}/${l.key}`, [l], attachments, 'https', port, served);
      chains.push({
        kind: 'http',
        name: `https/${l.key}`,
        serverNames,
        tlsSecrets: l.certificates.map((c) => secretName(c.id)),
        ...(l.clientValidation !== undefined
          ? {
              clientValidation: {
                trustedCa: l.clientValidation.caPems.map((p) => p.trim()).join('\n') + '\n',
                mode: l.clientValidation.mode,
              },
            }
          : {}),
        routeConfig: { name: rc.name, virtualHosts: withMisdirected(rc.virtualHosts, l, served) },
      });
    }
    for (const l of sortBySpecificity(group.filter((x) => x.spec.protocol === 'TLS'))) {
      const terminate = (l.spec.tls?.mode ?? 'Terminate') === 'Terminate';
      const mine = attachments
        .filter((a) => a.listener === l && a.resolved.route.kind === 'TLSRoute')
        .sort((a, b) => compareRoutes(a.resolved.route, b.resolved.route));
      for (const a of mine) {
        const serverNames = claim(a.hostnames.filter((h) => h !== '*'));
        if (serverNames === undefined) continue;
        const route = a.resolved.route;
        chains.push({
          kind: 'tcp',
          name: `tls/${l.key}/${route.namespace}/${route.name}`,
          serverNames,
          tlsSecrets: terminate ? l.certificates.map((c) => secretName(c.id)) : [],
          route: `${route.kind.toLowerCase()}/${route.namespace}/${route.name}`,
          destinations: l4Destinations(a.resolved),
        });
      }
    }
    for (const l of group.filter((x) => x.spec.protocol === 'TCP')) {
      const first = attachments
        .filter((a) => a.listener === l && a.resolved.route.kind === 'TCPRoute')
        .sort((a, b) => compareRoutes(a.resolved.route, b.resolved.route))[0];
      if (first === undefined) continue;
      const route = first.resolved.route;
      chains.push({
        kind: 'tcp',
        name: `tcp/${l.key}`,
        serverNames: [],
        tlsSecrets: [],
        route: `${route.kind.toLowerCase()}/${route.namespace}/${route.name}`,
        destinations: l4Destinations(first.resolved),
      });
    }
    // Envoy rejects a listener without filter chains: a TCP/TLS port with nothing attached stays closed.
    if (chains.length === 0) continue;
    chains.sort((a, b) => compareStrings(a.name, b.name));
    out.push({ name: `listener/${port}`, port, filterChains: chains });
  }
  return out;
}

/**
 * UDP ports, one per programmable UDP listener with a UDPRoute attached: the oldest route (then namespace and
 * name) wins the port, as for TCP; the others stay attached but carry no traffic.
 */
function buildUdpListeners(
  listeners: readonly AnalyzedListener[],
  attachments: readonly Attachment[],
): IRUdpListener[] {
  const out: IRUdpListener[] = [];
  for (const l of listeners) {
    if (!l.programmable || l.spec.protocol !== 'UDP') continue;
    const first = attachments
      .filter((a) => a.listener === l && a.resolved.route.kind === 'UDPRoute')
      .sort((a, b) => compareRoutes(a.resolved.route, b.resolved.route))[0];
    if (first === undefined) continue;
    const route = first.resolved.route;
    out.push({
      name: `listener/udp/${l.spec.port}`,
      port: l.spec.port,
      listener: l.spec.name,
      route: `udproute/${route.namespace}/${route.name}`,
      destinations: l4Destinations(first.resolved),
    });
  }
  return out.sort((a, b) => a.port - b.port);
}

function l4Destinations(resolved: ResolvedRoute) {
  const action = resolved.rules[0]?.action;
  return action?.kind === 'forward' ? action.destinations : [{ cluster: INVALID_BACKEND_CLUSTER, weight: 1 }];
}

function sortBySpecificity(listeners: AnalyzedListener[]): AnalyzedListener[] {
  return [...listeners].sort((a, b) => {
    const [ra, la] = hostnameSpecificity(a.spec.hostname ?? '*');
    const [rb, lb] = hostnameSpecificity(b.spec.hostname ?? '*');
    return ra - rb || la - lb || compareStrings(a.key, b.key);
  });
}

/** The listener on a port that owns a hostname: the one whose own hostname matches it most specifically. */
function owner(hostname: string, listeners: readonly AnalyzedListener[]): AnalyzedListener | undefined {
  const covering = listeners.filter((l) => {
    const lh = l.spec.hostname?.toLowerCase();
    if (lh === undefined || lh === '') return true;
    if (hostname === '*') return false;
    if (!hostname.startsWith('*.')) return hostnameMatches(lh, hostname);
    return lh.startsWith('*.') && hostname.endsWith(lh.slice(1));
  });
  return sortBySpecificity(covering)[0];
}

/**
 * The route hostname patterns that serve every name `host` stands for: the host itself, each wildcard of
 * a proper suffix ("a.b.c" → "*.b.c", "*.c"; "*.b.c" → "*.c") and "*".
 */
function coveringPatterns(host: string): string[] {
  if (host === '*') return ['*'];
  const labels = (host.startsWith('*.') ? host.slice(2) : host).split('.');
  const out = [host];
  for (let i = 1; i < labels.length; i++) out.push(`*.${labels.slice(i).join('.')}`);
  out.push('*');
  return out;
}

/**
 * Virtual hosts of one RouteConfiguration: one per hostname any attached route serves. A virtual host
 * collects the matches of every route whose hostname covers it ("*.com" routes also answer for
 * "example.com", as HTTPRouteMatchingAcrossRoutes requires), limited to the listener that owns the name.
 */
function routeConfig(
  name: string,
  listeners: readonly AnalyzedListener[],
  attachments: readonly Attachment[],
  scheme: 'http' | 'https',
  port: number,
  /** The listeners that compete for a Host (default: `listeners`); names another one owns are left out. */
  owners: readonly AnalyzedListener[] = listeners,
): IRRouteConfig {
  const mine = attachments.filter(
    (a) =>
      listeners.includes(a.listener) &&
      (a.resolved.route.kind === 'HTTPRoute' || a.resolved.route.kind === 'GRPCRoute'),
  );
  // Index by hostname pattern, so each virtual host looks only at the patterns that can cover it.
  const byPattern = new Map<string, Attachment[]>();
  for (const a of mine) {
    for (const pattern of a.hostnames) byPattern.set(pattern, [...(byPattern.get(pattern) ?? []), a]);
  }
  const hosts = [...byPattern.keys()].sort(compareStrings);
  const byRoute = new Map<RouteInput, ResolvedRoute>(mine.map((a) => [a.resolved.route, a.resolved]));
  const virtualHosts: IRVirtualHost[] = [];
  for (const host of hosts) {
    const own = owner(host, owners);
    // The most specific pattern through which each route reaches this host.
    const reach = new Map<RouteInput, string>();
    for (const pattern of coveringPatterns(host)) {
      for (const a of byPattern.get(pattern) ?? []) {
        if (a.listener !== own) continue;
        const current = reach.get(a.resolved.route);
        if (current === undefined || compareSpecificity(pattern, current) < 0)
          reach.set(a.resolved.route, pattern);
      }
    }
    const entries: MatchEntry[] = [];
    for (const [route, pattern] of reach) {
      for (const rule of byRoute.get(route)?.rules ?? []) {
        rule.matches.forEach((match, matchIndex) =>
          entries.push({ route, rule: rule.index, matchIndex, match, hostname: pattern }),
        );
      }
    }
    if (entries.length === 0) continue;
    entries.sort(compareMatchEntries);
    virtualHosts.push({
      name: host,
      domain: host,
      routes: entries.map((e) => irRoute(e, byRoute.get(e.route), scheme, port)),
    });
  }
  return { name, virtualHosts };
}

/**
 * The virtual hosts of an HTTPS chain when other HTTPS listeners share its port (their certificates or
 * hostnames may overlap, so a client can reuse one connection for another listener's name): each other
 * listener's hostname (`*` for one without) answers 421, and the chain's own hostname gets a virtual host
 * even without routes, so a name it owns that no route serves stays 404 instead of falling into a broader
 * 421 domain. Envoy picks the most specific domain, which is the spec's "most specific listener" rule.
 */
function withMisdirected(
  own: IRVirtualHost[],
  listener: AnalyzedListener,
  served: readonly AnalyzedListener[],
): IRVirtualHost[] {
  if (served.length < 2) return own;
  const out = [...own];
  const domains = new Set(own.map((vh) => vh.domain));
  const mine = listener.spec.hostname?.toLowerCase();
  if (mine !== undefined && !domains.has(mine)) {
    out.push({ name: mine, domain: mine, routes: [] });
    domains.add(mine);
  }
  for (const other of served) {
    if (other === listener) continue;
    const domain = other.spec.hostname?.toLowerCase() ?? '*';
    if (domains.has(domain)) continue;
    domains.add(domain);
    out.push({ name: `misdirected/${domain}`, domain, routes: [], misdirected: true });
  }
  return out.sort((a, b) => compareStrings(a.name, b.name));
}

function compareSpecificity(a: string, b: string): number {
  const [ra, la] = hostnameSpecificity(a);
  const [rb, lb] = hostnameSpecificity(b);
  return ra - rb || la - lb;
}

function irRoute(
  entry: MatchEntry,
  resolved: ResolvedRoute | undefined,
  scheme: 'http' | 'https',
  port: number,
): IRRoute {
  const rule = resolved?.rules.find((r) => r.index === entry.rule);
  const { route } = entry;
  const out: IRRoute = {
    name: `${route.kind.toLowerCase()}/${route.namespace}/${route.name}/rule/${entry.rule}/match/${entry.matchIndex}`,
    source: {
      kind: route.kind,
      namespace: route.namespace,
      name: route.name,
      rule: entry.rule,
      match: entry.matchIndex,
    },
    match: entry.match,
    action: { kind: 'invalid' },
    mirrors: [],
  };
  if (rule === undefined) return out;
  out.action =
    rule.action.kind === 'redirect'
      ? { kind: 'redirect', redirect: redirectFor(rule.action.redirect, scheme, port) }
      : rule.action;
  if (rule.requestHeaders) out.requestHeaders = rule.requestHeaders;
  if (rule.responseHeaders) out.responseHeaders = rule.responseHeaders;
  if (rule.rewrite) out.rewrite = rule.rewrite;
  out.mirrors = rule.mirrors;
  if (rule.cors) out.cors = rule.cors;
  if (rule.timeouts) out.timeouts = rule.timeouts;
  if (rule.retry) out.retry = rule.retry;
  if (rule.sessionPersistence) out.sessionPersistence = rule.sessionPersistence;
  return out;
}

/**
 * The spec's port rules for redirects: an explicit port wins; else the new scheme's well-known port; else
 * the listener's port. The port is left out of Location when it is the scheme's well-known one.
 */
function redirectFor(r: RequestRedirect, listenerScheme: 'http' | 'https', listenerPort: number): IRRedirect {
  const scheme = r.scheme ?? listenerScheme;
  const port =
    r.port ?? (r.scheme !== undefined ? (WELL_KNOWN_PORT[r.scheme] ?? listenerPort) : listenerPort);
  const out: IRRedirect = { statusCode: r.statusCode ?? 302 };
  if (r.scheme !== undefined) out.scheme = r.scheme;
  if (r.hostname !== undefined) out.hostname = r.hostname;
  if (port !== WELL_KNOWN_PORT[scheme]) out.port = port;
  const path = pathRewrite(r.path);
  if (path !== undefined) out.path = path;
  return out;
}

/**
 * Shares of clusters that cannot connect (a BackendTLSPolicy whose CAs do not resolve) go to the cluster that
 * answers 500; mirrors to them are dropped. The IR was just built here, so it is rewritten in place.
 */
function breakClusters(listeners: IRListener[], broken: ReadonlySet<string>): void {
  const fix = (d: { cluster: string }) => {
    if (broken.has(d.cluster)) d.cluster = INVALID_BACKEND_CLUSTER;
  };
  for (const l of listeners) {
    for (const chain of l.filterChains) {
      if (chain.kind === 'tcp') {
        chain.destinations.forEach(fix);
        continue;
      }
      for (const vh of chain.routeConfig.virtualHosts) {
        for (const r of vh.routes) {
          if (r.action.kind === 'forward') r.action.destinations.forEach(fix);
          r.mirrors = r.mirrors.filter((m) => !broken.has(m.cluster));
        }
      }
    }
  }
}

function collectUsed(listeners: readonly IRListener[]): { clusters: Set<string>; secrets: Set<string> } {
  const clusters = new Set<string>();
  const secrets = new Set<string>();
  for (const l of listeners) {
    for (const chain of l.filterChains) {
      for (const s of chain.tlsSecrets) secrets.add(s);
      if (chain.kind === 'tcp') {
        for (const d of chain.destinations) clusters.add(d.cluster);
        continue;
      }
      for (const vh of chain.routeConfig.virtualHosts) {
        for (const r of vh.routes) {
          if (r.action.kind === 'forward') for (const d of r.action.destinations) clusters.add(d.cluster);
          for (const m of r.mirrors) clusters.add(m.cluster);
        }
      }
    }
  }
  return { clusters, secrets };
}
