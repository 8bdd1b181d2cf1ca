// What kube-apiserver's validation (pkg/apis/core/validation, apps, policy, networking) refuses in the fields our
// objects use. The in-memory test server validates metadata and CRD schemas but not built-in specs, so the
// translator's tests (and the provisioner, before it applies) check these rules here.
import type { Json, JsonObject } from './input.js';
import type { KubeObject } from './translate.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP']);
const TOTAL_ANNOTATION_BYTES = 256 * 1024;
const SECRET_BYTES = 1024 * 1024;

const isObj = (v: Json | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);
const obj = (v: Json | undefined): JsonObject => (isObj(v) ? v : {});

function qualifiedName(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts.length === 2 ? parts[1]! : key;
  if (parts.length === 2 && !(parts[0]!.length <= 253 && DNS1123_SUBDOMAIN.test(parts[0]!))) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

/** IANA_SVC_NAME: ≤ 15 characters of [a-z0-9-], at least one letter, no leading/trailing/double '-'. */
function ianaServiceName(n: string): boolean {
  return n.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(n) && /[a-z]/.test(n) && !n.includes('--');
}

const validPort = (p: Json | undefined) =>
  typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535;

class Problems {
  readonly list: string[] = [];
  check(ok: boolean, path: string, message: string): void {
    if (!ok) this.list.push(`${path}: ${message}`);
  }
}

function checkLabels(p: Problems, path: string, labels: Json | undefined): void {
  for (const [k, v] of Object.entries(obj(labels))) {
    p.check(qualifiedName(k), `${path}[${k}]`, 'invalid label key');
    p.check(
      typeof v === 'string' && v.length <= 63 && LABEL_VALUE.test(v),
      `${path}[${k}]`,
      'invalid label value',
    );
  }
}

function checkAnnotations(p: Problems, path: string, annotations: Json | undefined): void {
  let bytes = 0;
  for (const [k, v] of Object.entries(obj(annotations))) {
    p.check(qualifiedName(k), `${path}[${k}]`, 'invalid annotation key');
    p.check(typeof v === 'string', `${path}[${k}]`, 'annotation values are strings');
    bytes += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  p.check(bytes <= TOTAL_ANNOTATION_BYTES, path, `annotations total ${bytes} bytes, more than 256 KiB`);
}

/** A label selector's matchLabels must be non-empty and select the given labels. */
function checkSelector(
  p: Problems,
  path: string,
  selector: Json | undefined,
  selects?: Json | undefined,
): void {
  const match = obj(obj(selector).matchLabels);
  p.check(Object.keys(match).length > 0, path, 'empty selector (selects everything)');
  checkLabels(p, `${path}.matchLabels`, match);
  if (selects !== undefined) {
    const labels = obj(selects);
    for (const [k, v] of Object.entries(match))
      p.check(labels[k] === v, path, `selector does not match template labels (${k})`);
  }
}

function checkMeta(p: Problems, o: KubeObject): void {
  const m = o.metadata;
  const nameRule = o.kind === 'Namespace' || o.kind === 'Service' ? DNS1123_LABEL : DNS1123_SUBDOMAIN;
  const max = nameRule === DNS1123_LABEL ? 63 : 253;
  p.check(m.name.length <= max && nameRule.test(m.name), 'metadata.name', `invalid name "${m.name}"`);
  if (o.kind === 'Service')
    p.check(DNS1035_LABEL.test(m.name), 'metadata.name', 'a Service name is a DNS-1035 label');
  if (o.kind === 'Namespace') p.check(m.namespace === undefined, 'metadata.namespace', 'cluster-scoped');
  else
    p.check(
      typeof m.namespace === 'string' && DNS1123_LABEL.test(m.namespace),
      'metadata.namespace',
      'required',
    );
  checkLabels(p, 'metadata.labels', m.labels);
  checkAnnotations(p, 'metadata.annotations', m.annotations);
  for (const [i, r] of arr(m.ownerReferences).entries()) {
    const ref = obj(r);
    for (const f of ['apiVersion', 'kind', 'name', 'uid'])
      p.check(typeof ref[f] === 'string' && ref[f] !== '', `metadata.ownerReferences[${i}].${f}`, 'required');
  }
}

function checkPodSpec(p: Problems, path: string, spec: JsonObject): void {
  const volumes = new Set<string>();
  for (const [i, v] of arr(spec.volumes).entries()) {
    const vol = obj(v);
    const n = String(vol.name);
    p.check(DNS1123_LABEL.test(n) && n.length <= 63, `${path}.volumes[${i}].name`, 'DNS label');
    p.check(!volumes.has(n), `${path}.volumes[${i}].name`, 'duplicate');
    volumes.add(n);
    const mode = obj(vol.secret).defaultMode;
    if (mode !== undefined)
      p.check(
        typeof mode === 'number' && mode >= 0 && mode <= 0o777,
        `${path}.volumes[${i}].secret.defaultMode`,
        '0..0777',
      );
  }
  const grace = spec.terminationGracePeriodSeconds;
  if (grace !== undefined)
    p.check(typeof grace === 'number' && grace >= 0, `${path}.terminationGracePeriodSeconds`, '≥ 0');
  if (spec.serviceAccountName !== undefined)
    p.check(
      DNS1123_SUBDOMAIN.test(String(spec.serviceAccountName)),
      `${path}.serviceAccountName`,
      'DNS subdomain',
    );
  for (const [i, t] of arr(spec.topologySpreadConstraints).entries()) {
    const c = obj(t);
    const at = `${path}.topologySpreadConstraints[${i}]`;
    p.check(typeof c.maxSkew === 'number' && c.maxSkew > 0, `${at}.maxSkew`, 'must be greater than zero');
    p.check(qualifiedName(String(c.topologyKey)), `${at}.topologyKey`, 'qualified name');
    p.check(
      ['DoNotSchedule', 'ScheduleAnyway'].includes(String(c.whenUnsatisfiable)),
      `${at}.whenUnsatisfiable`,
      'enum',
    );
  }
  const containers = arr(spec.containers);
  p.check(containers.length > 0, `${path}.containers`, 'required');
  const names = new Set<string>();
  for (const [i, raw] of containers.entries()) {
    const c = obj(raw);
    const at = `${path}.containers[${i}]`;
    p.check(DNS1123_LABEL.test(String(c.name)), `${at}.name`, 'DNS label');
    p.check(!names.has(String(c.name)), `${at}.name`, 'duplicate');
    names.add(String(c.name));
    p.check(
      typeof c.image === 'string' && c.image.trim() !== '' && c.image.trim() === c.image,
      `${at}.image`,
      'required, no surrounding space',
    );
    const portNames = new Set<string>();
    const portKeys = new Set<string>();
    for (const [j, rp] of arr(c.ports).entries()) {
      const port = obj(rp);
      p.check(validPort(port.containerPort), `${at}.ports[${j}].containerPort`, '1..65535');
      p.check(PROTOCOLS.has(String(port.protocol ?? 'TCP')), `${at}.ports[${j}].protocol`, 'enum');
      if (port.name !== undefined) {
        p.check(ianaServiceName(String(port.name)), `${at}.ports[${j}].name`, 'IANA service name');
        p.check(!portNames.has(String(port.name)), `${at}.ports[${j}].name`, 'duplicate');
        portNames.add(String(port.name));
      }
      const key = `${String(port.containerPort)}/${String(port.protocol ?? 'TCP')}`;
      p.check(!portKeys.has(key), `${at}.ports[${j}]`, 'duplicate containerPort/protocol');
      portKeys.add(key);
    }
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      if (c[probe] === undefined) continue;
      const pr = obj(c[probe]);
      const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'].filter((h) => pr[h] !== undefined);
      p.check(handlers.length === 1, `${at}.${probe}`, 'exactly one handler');
      const target = obj(pr.httpGet).port;
      if (pr.httpGet !== undefined)
        p.check(
          validPort(target) || (typeof target === 'string' && portNames.has(target)),
          `${at}.${probe}.httpGet.port`,
          'a port number or a named container port',
        );
      if (probe === 'readinessProbe' || probe === 'startupProbe') {
        if (probe === 'startupProbe' || pr.successThreshold !== undefined)
          p.check(
            probe !== 'startupProbe' || pr.successThreshold === 1,
            `${at}.${probe}.successThreshold`,
            'must be 1',
          );
      }
      for (const f of ['periodSeconds', 'timeoutSeconds', 'failureThreshold', 'successThreshold'])
        if (pr[f] !== undefined)
          p.check(typeof pr[f] === 'number' && pr[f] >= 1, `${at}.${probe}.${f}`, '≥ 1');
    }
    const preStop = obj(obj(c.lifecycle).preStop);
    if (c.lifecycle !== undefined) {
      const handlers = ['exec', 'httpGet', 'tcpSocket', 'sleep'].filter((h) => preStop[h] !== undefined);
      p.check(handlers.length === 1, `${at}.lifecycle.preStop`, 'exactly one handler');
      p.check(
        preStop.tcpSocket === undefined,
        `${at}.lifecycle.preStop.tcpSocket`,
        'not supported in lifecycle hooks',
      );
    }
    for (const [j, rm] of arr(c.volumeMounts).entries()) {
      const mount = obj(rm);
      p.check(volumes.has(String(mount.name)), `${at}.volumeMounts[${j}].name`, 'not found among volumes');
      p.check(
        typeof mount.mountPath === 'string' && mount.mountPath !== '',
        `${at}.volumeMounts[${j}].mountPath`,
        'required',
      );
    }
    const caps = obj(obj(c.securityContext).capabilities);
    for (const cap of [...arr(caps.add), ...arr(caps.drop)])
      p.check(
        typeof cap === 'string' && /^[A-Z_]+$/.test(cap),
        `${at}.securityContext.capabilities`,
        'capability names',
      );
  }
}

const intOrPercent = (v: Json | undefined) =>
  (typeof v === 'number' && Number.isInteger(v) && v >= 0) ||
  (typeof v === 'string' && /^(100|[1-9]?[0-9])%$/.test(v));
const isZero = (v: Json | undefined) => v === 0 || v === '0%';

function checkSpec(p: Problems, o: KubeObject): void {
  const spec = obj(o.spec);
  switch (o.kind) {
    case 'Deployment': {
      const replicas = spec.replicas;
      p.check(
        typeof replicas === 'number' && Number.isInteger(replicas) && replicas >= 0,
        'spec.replicas',
        '≥ 0',
      );
      const template = obj(spec.template);
      checkSelector(p, 'spec.selector', spec.selector, obj(template.metadata).labels);
      checkLabels(p, 'spec.template.metadata.labels', obj(template.metadata).labels);
      checkAnnotations(p, 'spec.template.metadata.annotations', obj(template.metadata).annotations);
      const rolling = obj(obj(spec.strategy).rollingUpdate);
      if (spec.strategy !== undefined) {
        p.check(intOrPercent(rolling.maxSurge), 'spec.strategy.rollingUpdate.maxSurge', 'int or percent');
        p.check(
          intOrPercent(rolling.maxUnavailable),
          'spec.strategy.rollingUpdate.maxUnavailable',
          'int or percent',
        );
        p.check(
          !(isZero(rolling.maxSurge) && isZero(rolling.maxUnavailable)),
          'spec.strategy.rollingUpdate',
          'may not be 0 when maxSurge is 0',
        );
      }
      checkPodSpec(p, 'spec.template.spec', obj(template.spec));
      break;
    }
    case 'Service': {
      const ports = arr(spec.ports);
      p.check(ports.length > 0 || spec.type === 'ExternalName', 'spec.ports', 'required');
      p.check(
        ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(String(spec.type ?? 'ClusterIP')),
        'spec.type',
        'enum',
      );
      checkLabels(p, 'spec.selector', spec.selector);
      const names = new Set<string>();
      for (const [i, rp] of ports.entries()) {
        const port = obj(rp);
        if (ports.length > 1)
          p.check(
            typeof port.name === 'string' && port.name !== '',
            `spec.ports[${i}].name`,
            'required with several ports',
          );
        if (port.name !== undefined) {
          p.check(
            DNS1123_LABEL.test(String(port.name)) && String(port.name).length <= 15,
            `spec.ports[${i}].name`,
            'DNS label ≤ 15',
          );
          p.check(!names.has(String(port.name)), `spec.ports[${i}].name`, 'duplicate');
          names.add(String(port.name));
        }
        p.check(validPort(port.port), `spec.ports[${i}].port`, '1..65535');
        p.check(
          validPort(port.targetPort) || ianaServiceName(String(port.targetPort)),
          `spec.ports[${i}].targetPort`,
          'port or name',
        );
        p.check(PROTOCOLS.has(String(port.protocol ?? 'TCP')), `spec.ports[${i}].protocol`, 'enum');
      }
      break;
    }
    case 'PodDisruptionBudget': {
      const bounds = ['minAvailable', 'maxUnavailable'].filter((k) => spec[k] !== undefined);
      p.check(
        bounds.length === 1,
        'spec',
        'minAvailable and maxUnavailable cannot be both set (and one is needed)',
      );
      for (const b of bounds) p.check(intOrPercent(spec[b]), `spec.${b}`, 'int ≥ 0 or a percentage ≤ 100%');
      checkSelector(p, 'spec.selector', spec.selector);
      break;
    }
    case 'NetworkPolicy': {
      checkSelector(p, 'spec.podSelector', spec.podSelector);
      for (const t of arr(spec.policyTypes))
        p.check(t === 'Ingress' || t === 'Egress', 'spec.policyTypes', 'enum');
      for (const [i, rule] of arr(spec.ingress).entries())
        for (const [j, rp] of arr(obj(rule).ports).entries()) {
          const port = obj(rp);
          p.check(
            PROTOCOLS.has(String(port.protocol ?? 'TCP')),
            `spec.ingress[${i}].ports[${j}].protocol`,
            'enum',
          );
          p.check(
            port.port === undefined || validPort(port.port),
            `spec.ingress[${i}].ports[${j}].port`,
            '1..65535',
          );
        }
      break;
    }
    case 'Secret':
    case 'ConfigMap': {
      let bytes = 0;
      for (const [k, v] of Object.entries(obj(o.data))) {
        p.check(SECRET_KEY.test(k) && k.length <= 253, `data[${k}]`, 'key of [-._a-zA-Z0-9]');
        if (o.kind === 'Secret') {
          const ok = typeof v === 'string' && Buffer.from(v, 'base64').toString('base64') === v;
          p.check(ok, `data[${k}]`, 'base64');
          bytes += typeof v === 'string' ? Buffer.from(v, 'base64').length : 0;
        } else bytes += Buffer.byteLength(String(v));
      }
      p.check(bytes <= SECRET_BYTES, 'data', 'more than 1 MiB');
      break;
    }
    default:
      break;
  }
}

/** Problems kube-apiserver would report for one object ([] = accepted). */
export function kubeAcceptanceProblems(o: KubeObject): string[] {
  const p = new Problems();
  checkMeta(p, o);
  checkSpec(p, o);
  return p.list.map((m) => `${o.kind} ${o.metadata.name}: ${m}`);
}
