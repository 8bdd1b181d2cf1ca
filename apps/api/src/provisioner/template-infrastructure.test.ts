// A template's fleet settings (`infrastructure`: Multus, PodDisruptionBudget, resources, drain) through the API:
// typed on both faces, refused naming the field, replaced as a whole on update, and — for every golden case of
// the infrastructure translator that has such settings — stored so that the provisioner's input for a gateway
// built from the template carries exactly the golden case's template, so the fleet is the golden one.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { translateInfrastructure, type KubeObject } from '@epic/infra-translator';
import { parseFixture, testdata } from '@epic/infra-translator/test-support';
import { parseAllDocuments, parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, createAccount, rest, testEnv, type RestArgs, type TestEnv } from '../test-support/harness.js';
import { loadInfraInput } from './fleet.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

const call = (...args: RestArgs) => rest(env, ...args);

let n = 0;
/** An account with a pool of its own. */
async function account(name = `tpl-infra-${++n}`) {
  const a = await createAccount(env, name);
  const p = await call('POST', '/address-pools', a.key, { name: 'pub', spec: `198.18.${++n}.0/28` });
  expect(p.status, p.raw).toBe(201);
  return a;
}
const template = (key: string, payload: Record<string, unknown>) =>
  call('POST', '/templates', key, { poolName: 'pub', dnsNameTemplate: '{gateway}.example.com', ...payload });

async function gql(key: string, query: string, variables: Record<string, unknown>) {
  const r = await env.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: auth(key),
    payload: { query, variables },
  });
  return r.json() as {
    data: Record<string, any> | null;
    errors?: { message: string; extensions: { issues?: { path: string; message: string }[] } }[];
  };
}

const settings = {
  multus: { network: 'public-net', namespace: 'kube-system', interface: 'net1' },
  podDisruptionBudget: { minAvailable: '50%' },
  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
  drainSeconds: 30,
};

describe('template infrastructure over REST', () => {
  it('is stored as given and read back; a template without it has none ({})', async () => {
    const { key } = await account();
    const c = await template(key, { name: 'fleet', infrastructure: settings });
    expect(c.status, c.raw).toBe(201);
    expect(c.body.infrastructure).toEqual(settings);
    expect((await call('GET', `/templates/${c.body.id}`, key)).body.infrastructure).toEqual(settings);
    const plain = await template(key, { name: 'plain' });
    expect(plain.body.infrastructure).toEqual({});
    const list = await call('GET', '/templates', key);
    expect(
      list.body.items.map((t: { name: string; infrastructure: unknown }) => [t.name, t.infrastructure]),
    ).toEqual([
      ['fleet', settings],
      ['plain', {}],
    ]);
  });

  it('each bad setting is refused on its own path with the reason; nothing is stored', async () => {
    const { key } = await account();
    const cases: [unknown, string, string][] = [
      [{ resources: { requests: { cpu: 'lots' } } }, 'resources.requests.cpu', 'a Kubernetes quantity'],
      [{ resources: { requests: { gpu: '1' } } }, 'resources.requests.gpu', 'unknown field'],
      [{ podDisruptionBuget: false }, 'podDisruptionBuget', 'unknown field'],
      [{ podDisruptionBudget: { minAvailable: '150%' } }, 'podDisruptionBudget.minAvailable', 'a percentage'],
      [
        { podDisruptionBudget: true },
        'podDisruptionBudget',
        'must be false, {minAvailable: N} or {maxUnavailable: N}',
      ],
      [{ drainSeconds: 3601 }, 'drainSeconds', 'Too big: expected number to be <=3600'],
      [{ multus: { network: 'Public_Net' } }, 'multus.network', 'must be a DNS label'],
      [
        { multus: { network: 'n', interface: 'eth-public-0000' } },
        'multus.interface',
        'must be an interface name (1-15 lowercase letters and digits)',
      ],
    ];
    for (const [infrastructure, path, message] of cases) {
      const r = await template(key, { name: 'bad', infrastructure });
      expect(r.status, JSON.stringify(infrastructure)).toBe(400);
      expect(r.body.issues, JSON.stringify(infrastructure)).toEqual([
        { path: `infrastructure.${path}`, message },
      ]);
    }
    expect((await call('GET', '/templates', key)).body.items).toEqual([]);
  });

  it('an update replaces the settings as a whole; a refused one leaves them as they were', async () => {
    const { key } = await account();
    const c = await template(key, { name: 'fleet', infrastructure: settings });
    const put = await call('PUT', `/templates/${c.body.id}`, key, { infrastructure: { drainSeconds: 5 } });
    expect(put.status, put.raw).toBe(200);
    expect(put.body.infrastructure).toEqual({ drainSeconds: 5 });
    const bad = await call('PUT', `/templates/${c.body.id}`, key, {
      replicas: 3,
      infrastructure: { drainSeconds: -1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i: { path: string }) => i.path)).toEqual(['infrastructure.drainSeconds']);
    const now = (await call('GET', `/templates/${c.body.id}`, key)).body;
    expect([now.replicas, now.infrastructure]).toEqual([2, { drainSeconds: 5 }]);
    // An update that does not name it keeps it.
    const other = await call('PUT', `/templates/${c.body.id}`, key, { replicas: 4 });
    expect(other.body.infrastructure).toEqual({ drainSeconds: 5 });
  });
});

describe('template infrastructure over GraphQL', () => {
  it('is a typed input and output: fields are selected, a bad one is refused on its path', async () => {
    const { key } = await account();
    const created = await gql(
      key,
      `mutation($i: CreateTemplateInput!) { createTemplate(input: $i) {
         name infrastructure { multus { network namespace interface } podDisruptionBudget resources { requests limits } drainSeconds } } }`,
      {
        i: {
          name: 'fleet',
          poolName: 'pub',
          dnsNameTemplate: '{gateway}.example.com',
          infrastructure: settings,
        },
      },
    );
    expect(created.errors).toBeUndefined();
    expect(created.data!['createTemplate']).toEqual({ name: 'fleet', infrastructure: settings });
    // A field the type does not have is refused by GraphQL's own validation, naming it.
    const unknown = await gql(
      key,
      `mutation($i: CreateTemplateInput!) { createTemplate(input: $i) { id } }`,
      {
        i: {
          name: 'typo',
          poolName: 'pub',
          dnsNameTemplate: '{gateway}.example.com',
          infrastructure: { drainSecs: 1 },
        },
      },
    );
    expect(unknown.data).toBeNull();
    expect(JSON.stringify(unknown.errors)).toContain('drainSecs');
    const bad = await gql(key, `mutation($i: CreateTemplateInput!) { createTemplate(input: $i) { id } }`, {
      i: {
        name: 'bad',
        poolName: 'pub',
        dnsNameTemplate: '{gateway}.example.com',
        infrastructure: { resources: { limits: { memory: 'much' } } },
      },
    });
    expect(bad.errors?.[0]?.extensions.issues).toEqual([
      { path: 'infrastructure.resources.limits.memory', message: 'a Kubernetes quantity' },
    ]);
  });
});

describe('golden cases through the API', () => {
  const cases = readdirSync(testdata)
    .filter((f) => f.endsWith('.in.yaml'))
    .map((f) => ({
      name: f.slice(0, -'.in.yaml'.length),
      raw: parse(readFileSync(join(testdata, f), 'utf8')),
    }))
    .filter((c) => c.raw.template.infrastructure !== undefined);

  it('has golden cases with template settings', () => {
    expect(cases.length).toBeGreaterThanOrEqual(4);
  });

  for (const c of cases) {
    it(`${c.name}: the provisioner's input carries the golden template, and the fleet has the golden shape`, async () => {
      const fixture = parseFixture(c.raw);
      const { key } = await account();
      const t = fixture.input.template;
      const created = await template(key, {
        name: t.name,
        envoyImage: t.envoyImage,
        replicas: t.replicas,
        infrastructure: c.raw.template.infrastructure,
      });
      expect(created.status, created.raw).toBe(201);
      const gw = await call('POST', '/gateways', key, {
        name: fixture.input.gateway.name,
        namespace: fixture.input.gateway.namespace,
        template: t.name,
        listeners: fixture.input.gateway.listeners,
      });
      expect(gw.status, gw.raw).toBe(201);
      const id = (gw.body.gateway ?? gw.body).id as string;
      const client = await env.db.$pool.connect();
      let loaded: Awaited<ReturnType<typeof loadInfraInput>>;
      try {
        loaded = await loadInfraInput(
          client,
          id,
          {
            secretKey: randomBytes(32),
            xds: { host: 'epic-api.epic.svc', port: 18000 },
            tokenTtlSeconds: 3600,
          },
          new Date(),
        );
      } finally {
        client.release();
      }
      if (!('input' in loaded)) throw new Error(`no input: ${JSON.stringify(loaded)}`);
      expect(loaded.input.template).toEqual(t);

      // The template-dependent parts of the fleet are the golden ones: which objects exist (a PDB or not),
      // Envoy's resources, the Multus annotation's network, the drain time.
      const golden = parseAllDocuments(readFileSync(join(testdata, `${c.name}.out.yaml`), 'utf8')).map(
        (d) => d.toJS() as KubeObject,
      );
      const objects = translateInfrastructure(loaded.input);
      const fleet = [objects.namespace, objects.root, ...objects.owned];
      expect(fleet.map((o) => o.kind)).toEqual(golden.map((o) => o.kind));
      const pod = (objs: KubeObject[]) => {
        const d = objs.find((o) => o.kind === 'Deployment') as unknown as {
          spec: {
            template: { metadata: { annotations?: Record<string, string> }; spec: Record<string, any> };
          };
        };
        const spec = d.spec.template.spec;
        const networks = d.spec.template.metadata.annotations?.['k8s.v1.cni.cncf.io/networks'];
        return {
          resources: spec['containers'][0].resources,
          grace: spec['terminationGracePeriodSeconds'],
          networks:
            networks === undefined
              ? undefined
              : (JSON.parse(networks) as { name: string; namespace?: string; interface?: string }[]).map(
                  ({ name, namespace, interface: ifname }) => ({ name, namespace, ifname }),
                ),
        };
      };
      expect(pod(fleet)).toEqual(pod(golden));
      const pdb = (objs: KubeObject[]) => (objs.find((o) => o.kind === 'PodDisruptionBudget') as any)?.spec;
      const strip = (s: any) => (s ? { minAvailable: s.minAvailable, maxUnavailable: s.maxUnavailable } : s);
      expect(strip(pdb(fleet))).toEqual(strip(pdb(golden)));
    });
  }
});
