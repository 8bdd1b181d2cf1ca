import type { Db } from '../db/client.js';
import { open, seal } from '../lib/secret-box.js';

/**
 * Tunnel keys (the per-tunnel HMAC keys of GUE keep-alives) are sealed at rest like certificate keys. SQL
 * cannot seal (the key is the API's SECRET_KEY), so rows written as plain hex before sealing existed are sealed
 * here, at start-up, before the API serves; the statement skips rows that are sealed already, so replicas
 * starting together and restarts are harmless.
 */
const SEALED = 'v1.';

export function sealTunnelKey(secretKey: Buffer, hexKey: string): string {
  return seal(secretKey, hexKey);
}

/** The hex key of a stored `Tunnel.key`; a row not sealed yet (start-up has not run) is read as it is. */
export function openTunnelKey(secretKey: Buffer, stored: string): string {
  return stored.startsWith(SEALED) ? open(secretKey, stored) : stored;
}

/** Seals every plain-hex `Tunnel.key`; answers how many rows it sealed. */
export async function sealPlainTunnelKeys(db: Db, secretKey: Buffer): Promise<number> {
  let sealed = 0;
  for (;;) {
    const rows = await db.$pool.query<{ id: string; key: string }>(
      `SELECT id, key FROM "Tunnel" WHERE key NOT LIKE 'v1.%' ORDER BY id LIMIT 500`,
    );
    if (rows.rows.length === 0) return sealed;
    for (const r of rows.rows) {
      // Only if still plain: another replica may have sealed it in between.
      const u = await db.$pool.query(`UPDATE "Tunnel" SET key = $2 WHERE id = $1::uuid AND key = $3`, [
        r.id,
        sealTunnelKey(secretKey, r.key),
        r.key,
      ]);
      sealed += u.rowCount ?? 0;
    }
  }
}
