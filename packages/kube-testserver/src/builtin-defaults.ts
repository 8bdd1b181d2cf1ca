// The defaults the real API server's built-in types apply (pkg/apis/*/v1/defaults.go), for the kinds and
// fields our clients read back: kubectl describe dereferences several of them (e.g. Deployment replicas).
import { child, isObject, type Json, type JsonObject } from './json.js';

function setDefault(obj: JsonObject, key: string, value: Json): void {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
}

function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'securityContext', {});
  for (const key of ['containers', 'initContainers']) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isObject(c)) continue;
      const image = typeof c.image === 'string' ? c.image : '';
      const tag = image.includes('@') ? 'digest' : (/:([^/:]+)$/.exec(image)?.[1] ?? 'latest');
      setDefault(c, 'imagePullPolicy', tag === 'latest' ? 'Always' : 'IfNotPresent');
      setDefault(c, 'terminationMessagePath', '/dev/termination-log');
      setDefault(c, 'terminationMessagePolicy', 'File');
      setDefault(c, 'resources', {});
      if (Array.isArray(c.ports)) for (const p of c.ports) if (isObject(p)) setDefault(p, 'protocol', 'TCP');
    }
  }
}

let nextClusterIp = 1;

export function applyBuiltinDefaults(kind: string, obj: JsonObject, creating: boolean): void {
  const spec = isObject(obj.spec) ? obj.spec : undefined;
  switch (kind) {
    case 'Deployment': {
      const s = spec ?? child(obj, 'spec');
      setDefault(s, 'replicas', 1);
      setDefault(s, 'revisionHistoryLimit', 10);
      setDefault(s, 'progressDeadlineSeconds', 600);
      setDefault(s, 'strategy', {
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
      });
      const template = child(s, 'template');
      defaultPodSpec(child(template, 'spec'));
      break;
    }
    case 'ReplicaSet':
    case 'DaemonSet': {
      const s = spec ?? child(obj, 'spec');
      if (kind === 'ReplicaSet') setDefault(s, 'replicas', 1);
      defaultPodSpec(child(child(s, 'template'), 'spec'));
      break;
    }
    case 'Pod':
      defaultPodSpec(spec ?? child(obj, 'spec'));
      break;
    case 'Service': {
      const s = spec ?? child(obj, 'spec');
      setDefault(s, 'type', 'ClusterIP');
      setDefault(s, 'sessionAffinity', 'None');
      if (s.type !== 'ExternalName') {
        if (creating && (s.clusterIP === undefined || s.clusterIP === '')) {
          const n = nextClusterIp++;
          s.clusterIP = `10.96.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
        }
        setDefault(s, 'clusterIPs', typeof s.clusterIP === 'string' ? [s.clusterIP] : []);
        setDefault(s, 'ipFamilies', ['IPv4']);
        setDefault(s, 'ipFamilyPolicy', 'SingleStack');
        setDefault(s, 'internalTrafficPolicy', 'Cluster');
      }
      if (Array.isArray(s.ports)) {
        for (const p of s.ports) {
          if (!isObject(p)) continue;
          setDefault(p, 'protocol', 'TCP');
          setDefault(p, 'targetPort', p.port ?? null);
        }
      }
      break;
    }
    case 'Secret':
      // SetDefaults_Secret: an empty type is Opaque too.
      if (obj.type === '') delete obj.type;
      setDefault(obj, 'type', 'Opaque');
      break;
    case 'NetworkPolicy': {
      const s = spec ?? child(obj, 'spec');
      setDefault(s, 'policyTypes', Array.isArray(s.egress) ? ['Ingress', 'Egress'] : ['Ingress']);
      break;
    }
    default:
      break;
  }
}
