import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rest, testEnv, type RestArgs, type TestEnv } from '../test-support/harness.js';

// EPIC nodes through REST against a real database, each test with its own node: the audit entry of each
// admin operation, and the not-found message and field name of each route.

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

const call = (...args: RestArgs) => rest(env, ...args);
let n = 0;
const nodeName = () => `edge-${++n}.epic.example`;

/** The audit entries of one node, oldest first, as [action, data]. */
async function trail(id: string) {
  const rows = await env.db.auditEvent.findMany({
    where: { objectId: id, objectKind: 'EpicNode' },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return rows.map((e) => [e.action, e.data]);
}

describe('EPIC node admin operations are audited', () => {
  it('create, drain, undrain and delete each leave an entry naming the node', async () => {
    const name = nodeName();
    const c = await call('POST', '/epic-nodes', env.adminKey, { name });
    expect(c.status, c.raw).toBe(201);
    const id = c.body.node.id as string;
    expect((await call('POST', `/epic-nodes/${name}/drain`, env.adminKey, {})).body.draining).toBe(true);
    expect(
      (await call('POST', `/epic-nodes/${name}/drain`, env.adminKey, { draining: false })).body.draining,
    ).toBe(false);
    expect((await call('DELETE', `/epic-nodes/${name}`, env.adminKey)).status).toBe(204);
    // Entries of one millisecond have no order between them: compared as a set.
    const entries = await trail(id);
    expect(entries).toHaveLength(4);
    expect(entries).toEqual(
      expect.arrayContaining([
        ['epicNode.create', { name }],
        ['epicNode.drain', { name }],
        ['epicNode.undrain', { name }],
        ['epicNode.delete', { name }],
      ]),
    );
  });
});

describe('EPIC node routes name what is missing or malformed', () => {
  it('an unknown node is 404 with its name, on every admin route', async () => {
    const missing = 'nope.epic.example';
    for (const [method, url, body] of [
      ['GET', `/epic-nodes/${missing}`, undefined],
      ['DELETE', `/epic-nodes/${missing}`, undefined],
      ['POST', `/epic-nodes/${missing}/drain`, {}],
      ['PUT', `/epic-nodes/${missing}`, { addresses: ['192.0.2.1'] }],
    ] as const) {
      const r = await call(method, url, env.adminKey, body);
      expect(r.status, `${method} ${url}: ${r.raw}`).toBe(404);
      expect(r.body.message).toBe(`EPIC node "${missing}" not found`);
    }
  });

  it('a malformed name is 400 naming the name, on every route', async () => {
    for (const [method, url, body] of [
      ['GET', '/epic-nodes/Bad_Name', undefined],
      ['DELETE', '/epic-nodes/Bad_Name', undefined],
      ['POST', '/epic-nodes/Bad_Name/drain', {}],
      ['PUT', '/epic-nodes/Bad_Name', { addresses: ['192.0.2.1'] }],
      ['GET', '/epic-nodes/Bad_Name/desired', undefined],
      ['PUT', '/epic-nodes/Bad_Name/proxies', { proxies: [] }],
    ] as const) {
      const r = await call(method, url, env.adminKey, body);
      expect(r.status, `${method} ${url}: ${r.raw}`).toBe(400);
      expect(
        r.body.issues.map((i: { path: string }) => i.path),
        `${method} ${url}`,
      ).toEqual(['name']);
    }
  });
});

describe('EPIC node records', () => {
  it('show bgp only while the node has BGP settings; a registration without them clears them', async () => {
    const name = nodeName();
    const bgp = { asn: 65001, routerId: '192.0.2.10', peers: [{ address: '192.0.2.1', asn: 65000 }] };
    const c = await call('POST', '/epic-nodes', env.adminKey, { name, addresses: ['192.0.2.5'], bgp });
    expect(c.status, c.raw).toBe(201);
    expect(c.body.node.bgp).toEqual(bgp);
    const token = c.body.token as string;
    const cleared = await call('PUT', `/epic-nodes/${name}`, token, { addresses: ['192.0.2.5'] });
    expect(cleared.status, cleared.raw).toBe(200);
    expect(cleared.body).not.toHaveProperty('bgp');
    expect((await call('GET', `/epic-nodes/${name}`, env.adminKey)).body).not.toHaveProperty('bgp');
    const plain = await call('POST', '/epic-nodes', env.adminKey, { name: nodeName() });
    expect(plain.body.node).not.toHaveProperty('bgp');
  });
});
