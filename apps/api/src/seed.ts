import { generateApiKey } from './auth/api-keys.js';
import type { Db } from './db/client.js';
import { copyStarterTemplates } from './modules/accounts.js';

/**
 * Idempotent seed. Always: the platform operators' account `epic-system`, with an admin key created (and
 * returned, to be printed once) only when the account is new. With `demo`: a global pool in the
 * documentation range, a starter template, and a `demo` account with its copy of the template.
 */
export async function seedSystem(
  db: Db,
  opts: { demo: boolean },
): Promise<{ adminKey?: string; demoKey?: string }> {
  return db.$transaction(async (tx) => {
    const out: { adminKey?: string; demoKey?: string } = {};
    let system = await tx.account.findUnique({ where: { name: 'epic-system' } });
    if (!system) {
      system = await tx.account.create({
        data: { name: 'epic-system', displayName: 'EPIC platform operators', system: true, gatewayQuota: 0 },
      });
      const key = generateApiKey();
      await tx.apiKey.create({
        data: {
          accountId: system.id,
          name: 'bootstrap admin key',
          role: 'owner',
          prefix: key.prefix,
          hash: key.hash,
        },
      });
      out.adminKey = key.secret;
    }
    if (!opts.demo) return out;
    if (!(await tx.addressPool.findFirst({ where: { accountId: null, name: 'default' } }))) {
      await tx.addressPool.create({
        data: {
          accountId: null,
          name: 'default',
          family: 'ipv4',
          spec: '192.0.2.0/24',
          firstAddress: '192.0.2.0',
          lastAddress: '192.0.2.255',
          size: '256',
          aggregation: 32,
        },
      });
    }
    if (!(await tx.template.findFirst({ where: { accountId: null, name: 'default' } }))) {
      await tx.template.create({
        data: {
          accountId: null,
          name: 'default',
          description: 'HTTP gateway with two Envoy replicas',
          poolName: 'default',
          replicas: 2,
          allowSharing: true,
          dnsNameTemplate: '{gateway}.{namespace}.{account}.gw.example.com',
        },
      });
    }
    if (!(await tx.account.findUnique({ where: { name: 'demo' } }))) {
      const demo = await tx.account.create({
        data: { name: 'demo', displayName: 'Demo account', gatewayQuota: 100 },
      });
      await copyStarterTemplates(tx, demo.id);
      const key = generateApiKey();
      await tx.apiKey.create({
        data: {
          accountId: demo.id,
          name: 'demo owner key',
          role: 'owner',
          prefix: key.prefix,
          hash: key.hash,
        },
      });
      out.demoKey = key.secret;
    }
    return out;
  });
}

const LOCAL_CLUSTER_KEY = 'local workload cluster controller';

/**
 * A fresh admin key of the demo account for the controller of `npm start`'s local workload cluster; the keys
 * it had before are revoked (one live key, whichever start made it). Undefined without a demo account.
 */
export async function issueLocalClusterKey(db: Db): Promise<string | undefined> {
  return db.$transaction(async (tx) => {
    const demo = await tx.account.findUnique({ where: { name: 'demo' } });
    if (!demo) return undefined;
    await tx.apiKey.updateMany({
      where: { accountId: demo.id, name: LOCAL_CLUSTER_KEY, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    const key = generateApiKey();
    await tx.apiKey.create({
      data: {
        accountId: demo.id,
        name: LOCAL_CLUSTER_KEY,
        role: 'admin',
        prefix: key.prefix,
        hash: key.hash,
      },
    });
    return key.secret;
  });
}
