import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPgTx, withPgTxThen, type Db } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';
import { AppError } from '../lib/errors.js';
import { freshDatabase } from '../test-support/harness.js';
import {
  audit,
  clientUid,
  conflictOnUnique,
  dnsLabel,
  dnsSubdomain,
  enqueueReconcile,
  execSql,
  lockKey,
  pageQuery,
  uuid,
  type CallMeta,
} from './common.js';

// The helpers every module shares, on their own against a real database: the name schemas at their edges,
// SQL through both kinds of transaction, audit rows, the reconcile queue and its NOTIFY, advisory locks and
// the unique-violation mapping.

let db: Db;
let url: string;
let accountId: string;

beforeAll(async () => {
  ({ db, url } = await freshDatabase());
  const a = await db.account.create({ data: { name: 'common-edges', displayName: 'Common edges' } });
  accountId = a.id;
});
afterAll(async () => {
  await db.$disconnect();
});

const meta = (requestId?: string): CallMeta => ({
  principal: { accountId, accountName: 'common-edges', role: 'owner', system: false, actor: 'apikey:k1' },
  ...(requestId !== undefined ? { requestId } : {}),
});
const ok = (s: z, v: unknown) => s.safeParse(v).success;
type z = { safeParse(v: unknown): { success: boolean } };

describe('name schemas', () => {
  it('dnsLabel: 1–63 lower-case alphanumerics and inner "-"', () => {
    for (const v of ['a', '0', 'a-b', 'a'.repeat(63), 'a--9']) expect(ok(dnsLabel, v), v).toBe(true);
    for (const v of ['', 'a'.repeat(64), '-a', 'a-', 'A', 'a.b', 'a_b', ' a', 'a b'])
      expect(ok(dnsLabel, v), v).toBe(false);
    expect(dnsLabel.safeParse('-a').error?.issues[0]?.message).toMatch(/^must be a DNS label/);
  });

  it('dnsSubdomain: dot-separated labels, up to 253', () => {
    const long = `${'a'.repeat(63)}.`.repeat(3) + 'a'.repeat(61); // 253
    for (const v of ['a', 'a.b', 'a-1.b-2.c', long]) expect(ok(dnsSubdomain, v), v).toBe(true);
    for (const v of ['', `${long}a`, 'a.', '.a', 'a..b', 'a.-b', 'a-.b', 'A.b', 'a_b'])
      expect(ok(dnsSubdomain, v), v).toBe(false);
    expect(dnsSubdomain.safeParse('a..b').error?.issues[0]?.message).toMatch(/^must be a DNS subdomain/);
  });

  it('uuid names its rule', () => {
    expect(ok(uuid, '00000000-0000-4000-8000-000000000000')).toBe(true);
    expect(uuid.safeParse('nope').error?.issues[0]?.message).toBe('must be a UUID');
  });

  it('clientUid: 1–128, starts alphanumeric, reserved prefixes refused', () => {
    for (const v of ['a', 'Z9', 'a-b_c.d:e/f', 'x'.repeat(128), 'apix:1', 'myapi:1', 'static'])
      expect(ok(clientUid, v), v).toBe(true);
    for (const v of ['', 'x'.repeat(129), '-a', '_a', 'a b', 'a$']) expect(ok(clientUid, v), v).toBe(false);
    for (const p of ['api:1', 'static:1', 'bulk:1']) {
      const r = clientUid.safeParse(p);
      expect(r.error?.issues[0]?.message, p).toMatch(/prefixes "api:", "static:" and "bulk:" are reserved/);
    }
    expect(clientUid.safeParse('a b').error?.issues[0]?.message).toBe('must be an object uid');
  });

  it('pageQuery: limit 1–500 (default 50, strings coerced), cursor 1–512, nothing else', () => {
    expect(pageQuery.parse({})).toEqual({ limit: 50 });
    expect(pageQuery.parse({ limit: '1', cursor: 'c' })).toEqual({ limit: 1, cursor: 'c' });
    expect(pageQuery.parse({ limit: 500, cursor: 'c'.repeat(512) }).limit).toBe(500);
    for (const v of [
      { limit: 0 },
      { limit: 501 },
      { limit: 1.5 },
      { cursor: '' },
      { cursor: 'c'.repeat(513) },
    ])
      expect(ok(pageQuery, v), JSON.stringify(v)).toBe(false);
    expect(ok(pageQuery, { other: 1 })).toBe(false);
  });
});

describe('execSql', () => {
  it('runs with parameters in a Prisma transaction and in a pg transaction alike', async () => {
    const viaPrisma = await db.$transaction((tx) => execSql(tx, 'SELECT $1::int + 1 AS n', [41]));
    expect(viaPrisma).toEqual([{ n: 42 }]);
    const viaPg = await withPgTx(db.$pool, (c) => execSql(c, 'SELECT $1::text AS s', ['x']));
    expect(viaPg).toEqual([{ s: 'x' }]);
  });

  it('sends a statement with BEGIN and one with COMMIT; the latter runs after the commit, and not after a rollback', async () => {
    const table = `"withPgTxThen_${process.pid}"`;
    await db.$pool.query(`CREATE TABLE ${table} (n int)`);
    const r = await withPgTxThen(
      db.$pool,
      async (c, first) => {
        expect(first?.rows).toEqual([{ inside: true }]);
        await c.query(`INSERT INTO ${table} VALUES (1)`);
        return 'out';
      },
      // Outside the transaction: no transaction id of its own is assigned to a read.
      `SELECT count(*)::int AS n, pg_current_xact_id_if_assigned() IS NULL AS outside FROM ${table}`,
      'SELECT pg_current_xact_id() IS NOT NULL AS inside',
    );
    expect(r).toMatchObject({ out: 'out', then: { rows: [{ n: 1, outside: true }] } });
    const failed = withPgTxThen(
      db.$pool,
      async (c) => {
        await c.query(`INSERT INTO ${table} VALUES (2)`);
        throw new Error('no');
      },
      `INSERT INTO ${table} VALUES (3)`,
    );
    await expect(failed).rejects.toThrow('no');
    expect((await db.$pool.query(`SELECT n FROM ${table} ORDER BY n`)).rows).toEqual([{ n: 1 }]);
    await db.$pool.query(`DROP TABLE ${table}`);
  });
});

describe('audit', () => {
  const events = async (action: string) =>
    db.auditEvent.findMany({ where: { action }, orderBy: { createdAt: 'asc' } });

  it('writes actor, action, kind, id, request id and data in the caller’s account', async () => {
    await db.$transaction((tx) => audit(tx, meta('req-1'), 'thing.create', 'Thing', 'id-1', { a: 1 }));
    const [e] = await events('thing.create');
    expect(e).toMatchObject({
      accountId,
      actor: 'apikey:k1',
      action: 'thing.create',
      objectKind: 'Thing',
      objectId: 'id-1',
      requestId: 'req-1',
      data: { a: 1 },
    });
  });

  it('defaults: no request id is null, no data is {}, a null object id stays null', async () => {
    await withPgTx(db.$pool, (c) => audit(c, meta(), 'thing.bare', 'Thing', null));
    const [e] = await events('thing.bare');
    expect(e).toMatchObject({ requestId: null, data: {}, objectId: null, accountId });
  });

  it('writes into another account when one is given', async () => {
    const other = await db.account.create({ data: { name: 'common-edges-2', displayName: 'Other' } });
    await db.$transaction((tx) => audit(tx, meta(), 'thing.other', 'Thing', 'x', {}, other.id));
    const [e] = await events('thing.other');
    expect(e?.accountId).toBe(other.id);
  });
});

describe('enqueueReconcile', () => {
  const ids = (n: number, base = 0) =>
    Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(base + i).padStart(12, '0')}`);

  async function listen(fn: () => Promise<void>): Promise<string[]> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const got: string[] = [];
    c.on('notification', (m) => got.push(m.payload ?? ''));
    await c.query('LISTEN epic_reconcile');
    try {
      await fn();
      // A round trip after the commit: the notification arrives before its answer.
      await c.query('SELECT 1');
      return got;
    } finally {
      await c.end();
    }
  }
  const queued = async (gatewayIds: string[]) =>
    (
      await db.$pool.query<{ gatewayId: string }>(
        `SELECT "gatewayId" FROM "ReconcileRequest" WHERE "gatewayId" = ANY($1::uuid[]) ORDER BY id`,
        [gatewayIds],
      )
    ).rows.map((r) => r.gatewayId);

  it('queues each gateway once, sorted, and notifies their ids on commit', async () => {
    const [a, b] = ids(2, 100);
    const got = await listen(() => db.$transaction((tx) => enqueueReconcile(tx, [b!, a!, b!])));
    expect(await queued([a!, b!])).toEqual([a, b]);
    expect(got).toEqual([`${a},${b}`]);
  });

  it('nothing to queue: no row, no notification', async () => {
    const got = await listen(() => withPgTx(db.$pool, (c) => enqueueReconcile(c, [])));
    expect(got).toEqual([]);
  });

  it('50 gateways are named; 51 notify "*"', async () => {
    const fifty = ids(50, 200);
    const named = await listen(() => withPgTx(db.$pool, (c) => enqueueReconcile(c, fifty)));
    expect(named).toEqual([fifty.join(',')]);
    const many = ids(51, 300);
    const star = await listen(() => withPgTx(db.$pool, (c) => enqueueReconcile(c, many)));
    expect(star).toEqual(['*']);
    expect((await queued(many)).length).toBe(51);
  });

  it('a rolled-back transaction queues and notifies nothing', async () => {
    const [a] = ids(1, 400);
    const got = await listen(async () => {
      await expect(
        withPgTx(db.$pool, async (c) => {
          await enqueueReconcile(c, [a!]);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
    });
    expect(got).toEqual([]);
    expect(await queued([a!])).toEqual([]);
  });
});

describe('lockKey', () => {
  it('holds a second transaction on the same key until the first ends; another key does not wait', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = withPgTx(db.$pool, async (c) => {
      await lockKey(c, 'common-edges:k');
      order.push('first locked');
      await held;
      order.push('first done');
    });
    while (!order.includes('first locked')) await new Promise((r) => setTimeout(r, 5));
    await withPgTx(db.$pool, async (c) => {
      await lockKey(c, 'common-edges:other');
      order.push('other locked');
    });
    const second = withPgTx(db.$pool, async (c) => {
      await lockKey(c, 'common-edges:k');
      order.push('second locked');
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(order).toEqual(['first locked', 'other locked']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first locked', 'other locked', 'first done', 'second locked']);
  });
});

describe('conflictOnUnique', () => {
  it('turns a unique violation into a Conflict naming the object and passes anything else on', async () => {
    const dup = await db.account
      .create({ data: { name: 'common-edges', displayName: 'again' } })
      .catch(conflictOnUnique('account', '"common-edges"'))
      .catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(AppError);
    expect(dup).toMatchObject({ code: 'Conflict', message: 'account "common-edges" already exists' });

    const other = new Prisma.PrismaClientKnownRequestError('x', { code: 'P2025', clientVersion: '0' });
    expect(() => conflictOnUnique('account', 'a')(other)).toThrow(other);
    const plain = new Error('plain');
    expect(() => conflictOnUnique('account', 'a')(plain)).toThrow(plain);
  });
});
