import { regexProblem } from './regex.js';
import { INVALID_BACKEND_CLUSTER, type IR, type IRDestination } from './ir.js';

export type IRIssueCode =
  | 'DuplicateListenerName'
  | 'DuplicateListenerPort'
  | 'InvalidPort'
  | 'EmptyListener'
  | 'DuplicateFilterChainName'
  | 'DuplicateServerName'
  | 'DuplicateRouteConfigName'
  | 'DuplicateDomain'
  | 'UnknownCluster'
  | 'UnknownSecret'
  | 'NoDestinations'
  | 'InvalidWeight'
  | 'InvalidRegex'
  | 'InvalidMirrorShare'
  | 'DuplicateClusterName'
  | 'DuplicateSecretName'
  | 'Unsorted';

export interface IRIssue {
  code: IRIssueCode;
  /** Where in the IR, e.g. `listeners[0].filterChains[1].routeConfig.virtualHosts[2]`. */
  path: string;
  message: string;
}

/** Thrown by assertValidIR; carries every issue, each with a named code. */
export class IRValidationError extends Error {
  constructor(readonly issues: IRIssue[]) {
    super(`invalid IR: ${issues.map((i) => `${i.code} at ${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'IRValidationError';
  }
}

export function assertValidIR(ir: IR): void {
  const issues = validateIR(ir);
  if (issues.length > 0) throw new IRValidationError(issues);
}

/** Invariants stage 2 relies on; an empty list means the IR may be rendered and published. */
export function validateIR(ir: IR): IRIssue[] {
  const issues: IRIssue[] = [];
  const add = (code: IRIssueCode, path: string, message: string) => issues.push({ code, path, message });
  const clusterNames = new Set<string>();
  ir.clusters.forEach((c, i) => {
    if (clusterNames.has(c.name)) add('DuplicateClusterName', `clusters[${i}]`, c.name);
    clusterNames.add(c.name);
    c.endpoints.forEach((e, j) => {
      if (!validPort(e.port)) add('InvalidPort', `clusters[${i}].endpoints[${j}]`, String(e.port));
      if (e.weight !== undefined && (!Number.isInteger(e.weight) || e.weight < 1)) {
        add('InvalidWeight', `clusters[${i}].endpoints[${j}]`, `endpoint weight ${e.weight}`);
      }
    });
  });
  const secretNames = new Set<string>();
  ir.secrets.forEach((s, i) => {
    if (secretNames.has(s.name)) add('DuplicateSecretName', `secrets[${i}]`, s.name);
    secretNames.add(s.name);
  });
  ir.clusters.forEach((c, i) => {
    const client = c.tls?.clientCertificate;
    if (client !== undefined && !secretNames.has(client)) add('UnknownSecret', `clusters[${i}].tls`, client);
  });
  checkSorted(
    ir.clusters.map((c) => c.name),
    'clusters',
    add,
  );
  checkSorted(
    ir.secrets.map((s) => s.name),
    'secrets',
    add,
  );

  const destinations = (ds: readonly IRDestination[], path: string) => {
    if (ds.length === 0) add('NoDestinations', path, 'no destinations');
    let total = 0;
    ds.forEach((d, k) => {
      if (!Number.isInteger(d.weight) || d.weight < 1)
        add('InvalidWeight', `${path}[${k}]`, `weight ${d.weight}`);
      total += d.weight;
      if (d.cluster !== INVALID_BACKEND_CLUSTER && !clusterNames.has(d.cluster)) {
        add('UnknownCluster', `${path}[${k}]`, d.cluster);
      }
    });
    if (total > 0xffffffff) add('InvalidWeight', path, `total weight ${total} exceeds uint32`);
  };

  const listenerNames = new Set<string>();
  const ports = new Set<number>();
  const routeConfigNames = new Set<string>();
  ir.listeners.forEach((l, i) => {
    const lp = `listeners[${i}]`;
    if (listenerNames.has(l.name)) add('DuplicateListenerName', lp, l.name);
    listenerNames.add(l.name);
    if (!validPort(l.port)) add('InvalidPort', lp, String(l.port));
    if (ports.has(l.port)) add('DuplicateListenerPort', lp, String(l.port));
    ports.add(l.port);
    if (l.filterChains.length === 0) add('EmptyListener', lp, 'listener has no filter chains');
    const chainNames = new Set<string>();
    const serverNames = new Set<string>();
    l.filterChains.forEach((chain, j) => {
      const cp = `${lp}.filterChains[${j}]`;
      if (chainNames.has(chain.name)) add('DuplicateFilterChainName', cp, chain.name);
      chainNames.add(chain.name);
      const sniKeys = chain.serverNames.length === 0 ? [''] : chain.serverNames;
      for (const n of sniKeys) {
        if (serverNames.has(n)) add('DuplicateServerName', cp, n === '' ? '(default chain)' : n);
        serverNames.add(n);
      }
      for (const s of chain.tlsSecrets) if (!secretNames.has(s)) add('UnknownSecret', cp, s);
      if (chain.kind === 'tcp') {
        destinations(chain.destinations, `${cp}.destinations`);
        return;
      }
      const rc = chain.routeConfig;
      if (routeConfigNames.has(rc.name)) add('DuplicateRouteConfigName', `${cp}.routeConfig`, rc.name);
      routeConfigNames.add(rc.name);
      const domains = new Set<string>();
      rc.virtualHosts.forEach((vh, k) => {
        const vp = `${cp}.routeConfig.virtualHosts[${k}]`;
        if (domains.has(vh.domain)) add('DuplicateDomain', vp, vh.domain);
        domains.add(vh.domain);
        vh.routes.forEach((r, m) => {
          const rp = `${vp}.routes[${m}]`;
          if (r.match.path.type === 'RegularExpression')
            checkRegex(r.match.path.value, `${rp}.match.path`, add);
          for (const h of [...r.match.headers, ...r.match.queryParams]) {
            if (h.type === 'RegularExpression') checkRegex(h.value, `${rp}.match`, add);
          }
          if (r.action.kind === 'forward') destinations(r.action.destinations, `${rp}.action.destinations`);
          r.mirrors.forEach((mi, n) => {
            if (!clusterNames.has(mi.cluster)) add('UnknownCluster', `${rp}.mirrors[${n}]`, mi.cluster);
            if (
              !Number.isInteger(mi.partsPerMillion) ||
              mi.partsPerMillion < 0 ||
              mi.partsPerMillion > 1_000_000
            ) {
              add('InvalidMirrorShare', `${rp}.mirrors[${n}]`, String(mi.partsPerMillion));
            }
          });
        });
      });
      checkSorted(
        rc.virtualHosts.map((v) => v.name),
        `${cp}.routeConfig.virtualHosts`,
        add,
      );
    });
  });
  for (let i = 1; i < ir.listeners.length; i++) {
    if ((ir.listeners[i - 1]?.port ?? 0) > (ir.listeners[i]?.port ?? 0))
      add('Unsorted', 'listeners', 'listeners must be sorted by port');
  }
  // UDP ports are a space of their own: unique among themselves, free to share a number with a TCP one.
  const udpPorts = new Set<number>();
  (ir.udpListeners ?? []).forEach((u, i) => {
    const up = `udpListeners[${i}]`;
    if (listenerNames.has(u.name)) add('DuplicateListenerName', up, u.name);
    listenerNames.add(u.name);
    if (!validPort(u.port)) add('InvalidPort', up, String(u.port));
    if (udpPorts.has(u.port)) add('DuplicateListenerPort', up, String(u.port));
    udpPorts.add(u.port);
    destinations(u.destinations, `${up}.destinations`);
    const prev = ir.udpListeners?.[i - 1];
    if (prev !== undefined && prev.port > u.port)
      add('Unsorted', 'udpListeners', 'UDP listeners must be sorted by port');
  });
  return issues;
}

function validPort(p: number): boolean {
  return Number.isInteger(p) && p >= 1 && p <= 65535;
}

function checkRegex(value: string, path: string, add: (c: IRIssueCode, p: string, m: string) => void): void {
  const problem = regexProblem(value);
  if (problem !== undefined) add('InvalidRegex', path, problem);
}

function checkSorted(
  names: readonly string[],
  path: string,
  add: (c: IRIssueCode, p: string, m: string) => void,
): void {
  for (let i = 1; i < names.length; i++) {
    if ((names[i - 1] ?? '') > (names[i] ?? '')) add('Unsorted', path, `${names[i - 1]} before ${names[i]}`);
  }
}
