import { randomBytes } from 'node:crypto';
import type { InfraInput } from '@epic/infra-translator';
import { loadInfraInput } from '../provisioner/fleet.js';
import type { TestEnv } from './harness.js';

/** What the provisioner would be given for a gateway now (its infrastructure translator's input). */
export async function infraInputOf(env: TestEnv, gatewayId: string): Promise<InfraInput> {
  const client = await env.db.$pool.connect();
  try {
    const loaded = await loadInfraInput(
      client,
      gatewayId,
      { secretKey: randomBytes(32), xds: { host: '127.0.0.1', port: 18000 }, tokenTtlSeconds: 60 },
      new Date(),
    );
    if (!('input' in loaded)) throw new Error(JSON.stringify(loaded));
    return loaded.input;
  } finally {
    client.release();
  }
}
