import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { InfraInput } from './input.js';
import { kubeAcceptanceProblems } from './kube-acceptance.js';
import { accountNamespace, fleetName } from './names.js';
import { parseTemplateInfrastructure } from './parse.js';
import {
  MULTUS_ANNOTATION,
  ownerLabels,
  ownerSelector,
  translateInfrastructure,
  type KubeObject,
} from './translate.js';

const base: InfraInput = {
  account: 'acme',
  gateway: {
    id: '6f1c2f4e-3b1a-4c5d-9e8f-0a1b2c3d4e5f',
    name: 'web',
    namespace: 'default',
    address: '192.0.2.10',
    listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
  },
  template: { name: 'default', envoyImage: 'envoyproxy/envoy:v1.36.2', replicas: 2 },
  bootstrap: {
    node: { id: 'acme.x' },
    dynamicResources: { adsConfig: { apiType: 'GRPC' }, cdsConfig: { ads: {} } },
    admin: { address: { socketAddress: { address: '127.0.0.1', portValue: 19000 } } },
  },
  credentialsExpireAt: '2026-12-10T00:00:00.000Z',
};

const kind = (objects: KubeObject[], k: string) => objects.find((o) => o.kind === k) as any;
const deployment = (input: InfraInput) => kind(translateInfrastructure(input).owned, 'Deployment');

describe('names', () => {
  it('follow envoy-<key cut to 48>-<8 hex of SHA-256 of the gateway id>', () => {
    const hash = createHash('sha256').update(base.gateway.id).digest('hex').slice(0, 8);
    expect(fleetName(base.gateway)).toBe(`envoy-default-web-${hash}`);
    const long = { ...base.gateway, namespace: 'n'.repeat(30), name: 'g'.repeat(40) };
    const name = fleetName(long);
    expect(name).toBe(
      `envoy-${'n'.repeat(30)}-${'g'.repeat(17)}-${createHash('sha256').update(long.id).digest('hex').slice(0, 8)}`,
    );
    expect(name.length).toBeLessThanOrEqual(63);
  });

  it('differ for two gateways whose keys agree in their first 48 characters', () => {
    const a = { ...base.gateway, name: `${'x'.repeat(60)}a` };
    const b = { ...a, id: '00000000-0000-4000-8000-000000000001', name: `${'x'.repeat(60)}b` };
    expect(fleetName(a)).not.toBe(fleetName(b));
  });

  it('never end the cut key with a dash', () => {
    const g = { ...base.gateway, namespace: 'a'.repeat(46), name: 'b' };
    expect(fleetName(g)).not.toContain('--');
  });

  it('put an account in epic-<account>, hashed only when that would pass 63 characters', () => {
    expect(accountNamespace('acme')).toBe('epic-acme');
    expect(accountNamespace('a'.repeat(58))).toBe(`epic-${'a'.repeat(58)}`);
    expect(accountNamespace('a'.repeat(59)).length).toBeLessThanOrEqual(63);
    expect(accountNamespace('a'.repeat(59))).not.toBe(accountNamespace(`${'a'.repeat(58)}b`));
  });
});

describe('rollouts and selectors', () => {
  it('a template image change changes the pod template (the Deployment rolls) and nothing that selects', () => {
    const before = deployment(base);
    const after = deployment({
      ...base,
      template: { ...base.template, envoyImage: 'envoyproxy/envoy:v1.37.0' },
    });
    expect(after.spec.template.spec.containers[0].image).toBe('envoyproxy/envoy:v1.37.0');
    expect(JSON.stringify(after.spec.template)).not.toBe(JSON.stringify(before.spec.template));
    expect(after.spec.selector).toEqual(before.spec.selector);
    expect(after.metadata.name).toBe(before.metadata.name);
  });

  it('selects on the stable owning labels only (not on infrastructure labels, template or replicas)', () => {
    const changed = deployment({
      ...base,
      gateway: { ...base.gateway, infrastructure: { labels: { tier: 'gold' } } },
      template: { ...base.template, name: 'other', replicas: 5 },
    });
    expect(changed.spec.selector).toEqual({ matchLabels: ownerLabels(base.gateway.id) });
    expect(changed.spec.template.metadata.labels.tier).toBe('gold');
    expect(ownerSelector(base.gateway.id)).toBe(
      `app.kubernetes.io/managed-by=epic,app.kubernetes.io/name=envoy,epic-gateway.io/gateway-id=${base.gateway.id}`,
    );
  });

  it('a new xDS credential rolls the pods (hash annotation) and is never in the Deployment', () => {
    const withToken = (token: string): InfraInput => ({
      ...base,
      bootstrap: { ...base.bootstrap, dynamicResources: { adsConfig: { token } } },
    });
    const a = deployment(withToken('one'));
    const b = deployment(withToken('two'));
    expect(a.spec.template.metadata.annotations['epic-gateway.io/xds-credentials-hash']).not.toBe(
      b.spec.template.metadata.annotations['epic-gateway.io/xds-credentials-hash'],
    );
    expect(JSON.stringify(a)).not.toContain('"one"');
  });

  it('keeps the rest of the bootstrap inline and adds the ready listener and admin cluster', () => {
    const args = deployment(base).spec.template.spec.containers[0].args as string[];
    const inline = JSON.parse(args[args.indexOf('--config-yaml') + 1]!);
    expect(inline.dynamicResources).toEqual({ cdsConfig: { ads: {} } });
    expect(inline.staticResources.listeners[0].address.socketAddress.portValue).toBe(19001);
    expect(
      inline.staticResources.clusters.at(-1).loadAssignment.endpoints[0].lbEndpoints[0].endpoint.address
        .socketAddress,
    ).toEqual({
      address: '127.0.0.1',
      portValue: 19000,
    });
  });
});

describe('optional objects', () => {
  const kinds = (input: InfraInput) => translateInfrastructure(input).owned.map((o) => o.kind);
  it('PodDisruptionBudget: by default only for more than one replica; configured or off as the template says', () => {
    expect(kinds({ ...base, template: { ...base.template, replicas: 1 } })).not.toContain(
      'PodDisruptionBudget',
    );
    expect(kinds(base)).toContain('PodDisruptionBudget');
    expect(
      kinds({ ...base, template: { ...base.template, infrastructure: { podDisruptionBudget: false } } }),
    ).not.toContain('PodDisruptionBudget');
    const pdb = kind(
      translateInfrastructure({
        ...base,
        template: {
          ...base.template,
          replicas: 1,
          infrastructure: { podDisruptionBudget: { minAvailable: 1 } },
        },
      }).owned,
      'PodDisruptionBudget',
    );
    expect(pdb.spec).toEqual({ minAvailable: 1, selector: { matchLabels: ownerLabels(base.gateway.id) } });
  });

  it('Multus annotation only when the template asks for it', () => {
    expect(deployment(base).spec.template.metadata.annotations[MULTUS_ANNOTATION]).toBeUndefined();
    const d = deployment({
      ...base,
      template: { ...base.template, infrastructure: { multus: { network: 'pub' } } },
    });
    expect(JSON.parse(d.spec.template.metadata.annotations[MULTUS_ANNOTATION])).toEqual([
      { name: 'pub', ips: ['192.0.2.10/32'] },
    ]);
  });

  it('owned objects carry the root ownerReference only once its uid is known; the root and namespace never', () => {
    const plain = translateInfrastructure(base);
    expect(plain.owned.every((o) => o.metadata.ownerReferences === undefined)).toBe(true);
    const owned = translateInfrastructure(base, { rootUid: 'u-1' });
    expect(owned.owned.every((o) => (o.metadata.ownerReferences as any)[0].uid === 'u-1')).toBe(true);
    expect(owned.root.metadata.ownerReferences).toBeUndefined();
    expect(owned.namespace.metadata.ownerReferences).toBeUndefined();
  });

  it('labels the namespace as an EPIC user namespace of the account', () => {
    expect(translateInfrastructure(base).namespace.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'epic',
      'epic-gateway.io/account': 'acme',
      'epic-gateway.io/user-namespace': 'true',
    });
  });
});

describe('template infrastructure parsing', () => {
  it('refuses unknown keys (a typo never turns a setting off silently)', () => {
    expect(parseTemplateInfrastructure({ podDisruptionBuget: false })).toEqual({
      ok: false,
      problems: [expect.stringContaining('podDisruptionBuget')],
    });
  });
  it('refuses both PDB bounds at once and bad quantities', () => {
    expect(
      parseTemplateInfrastructure({ podDisruptionBudget: { minAvailable: 1, maxUnavailable: 1 } }).ok,
    ).toBe(false);
    expect(parseTemplateInfrastructure({ resources: { requests: { cpu: 'lots' } } }).ok).toBe(false);
  });
  it('accepts the documented shape', () => {
    expect(
      parseTemplateInfrastructure({
        multus: { network: 'pub', namespace: 'kube-system', interface: 'net1' },
        podDisruptionBudget: { maxUnavailable: '25%' },
        resources: { requests: { cpu: '250m' } },
        drainSeconds: 5,
      }).ok,
    ).toBe(true);
    expect(parseTemplateInfrastructure(undefined)).toEqual({ ok: true, value: {} });
  });
});

describe('kubeAcceptanceProblems finds what kube-apiserver refuses', () => {
  const objects = translateInfrastructure(base);
  const d = structuredClone(kind(objects.owned, 'Deployment'));
  it('accepts the translated objects', () => {
    expect([objects.namespace, objects.root, ...objects.owned].flatMap(kubeAcceptanceProblems)).toEqual([]);
  });
  it('a selector that does not match the pod template', () => {
    const bad = structuredClone(d);
    bad.spec.template.metadata.labels['app.kubernetes.io/name'] = 'other';
    expect(kubeAcceptanceProblems(bad)).toEqual([expect.stringContaining('selector does not match')]);
  });
  it('a container port name longer than 15 characters', () => {
    const bad = structuredClone(d);
    bad.spec.template.spec.containers[0].ports[0].name = 'a-very-long-port-name';
    expect(kubeAcceptanceProblems(bad)).toEqual([expect.stringContaining('IANA service name')]);
  });
  it('a mount of a volume that does not exist', () => {
    const bad = structuredClone(d);
    bad.spec.template.spec.volumes = [];
    expect(kubeAcceptanceProblems(bad)).toEqual([expect.stringContaining('not found among volumes')]);
  });
  it('a rolling update that may neither surge nor be unavailable', () => {
    const bad = structuredClone(d);
    bad.spec.strategy.rollingUpdate.maxSurge = 0;
    expect(kubeAcceptanceProblems(bad)).toEqual([expect.stringContaining('may not be 0')]);
  });
  it('a Service without ports, a PDB with both bounds, a label value over 63 characters', () => {
    const svc = structuredClone(kind(objects.owned, 'Service'));
    svc.spec.ports = [];
    expect(kubeAcceptanceProblems(svc)).toEqual([expect.stringContaining('spec.ports')]);
    const pdb = structuredClone(kind(objects.owned, 'PodDisruptionBudget'));
    pdb.spec.minAvailable = 1;
    expect(kubeAcceptanceProblems(pdb)).toEqual([expect.stringContaining('cannot be both set')]);
    const sa = structuredClone(kind(objects.owned, 'ServiceAccount'));
    sa.metadata.labels.x = 'v'.repeat(64);
    expect(kubeAcceptanceProblems(sa)).toEqual([expect.stringContaining('invalid label value')]);
  });
  it('a Secret value that is not base64', () => {
    const secret = structuredClone(kind(objects.owned, 'Secret'));
    secret.data['credentials.json'] = 'not base64!';
    expect(kubeAcceptanceProblems(secret)).toEqual([expect.stringContaining('base64')]);
  });
});
