import { randomBytes } from 'node:crypto';
import type { Db } from '../db/client.js';
import { hashSecret, secretMatches } from './api-keys.js';

/**
 * Node credentials look like `epicnode_<prefix>_<secret>` and are kept as API keys are: only the prefix (to
 * find the node) and a SHA-256 of the secret are stored; the whole token is shown once, when a platform admin
 * creates the node. A node credential is not a Principal: it names one EPIC node and may call only the
 * routes declared `node: true`, for that node (http/rest.ts, http/graphql-schema.ts).
 */
export interface NodeCaller {
  /** The EpicNode row the credential belongs to. */
  id: string;
  /** Its name: the only `{name}` the credential may act for. */
  name: string;
  /** For the audit log. */
  actor: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request carries a valid node credential (and no API key or session). */
    epicNode?: NodeCaller;
  }
}

export interface NewNodeToken {
  prefix: string;
  hash: string;
  token: string;
}

export function generateNodeToken(): NewNodeToken {
  const prefix = randomBytes(6).toString('hex');
  const secret = randomBytes(24).toString('base64url');
  return { prefix, hash: hashSecret(secret), token: `epicnode_${prefix}_${secret}` };
}

export function splitNodeToken(token: string): { prefix: string; secret: string } | undefined {
  const m = /^epicnode_([0-9a-f]{12})_([A-Za-z0-9_-]{32})$/.exec(token);
  return m ? { prefix: m[1]!, secret: m[2]! } : undefined;
}

/** Resolves `Authorization: Bearer epicnode_…` to its node, or undefined for anything else. */
export function nodeAuthenticator(db: Db) {
  return async (authorization: string | undefined): Promise<NodeCaller | undefined> => {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const parts = m ? splitNodeToken(m[1]!) : undefined;
    if (!parts) return undefined;
    const r = await db.$pool.query<{ id: string; name: string; tokenHash: string | null }>(
      'SELECT id, name, "tokenHash" FROM "EpicNode" WHERE "tokenPrefix" = $1',
      [parts.prefix],
    );
    const row = r.rows[0];
    if (!row?.tokenHash || !secretMatches(parts.secret, row.tokenHash)) return undefined;
    return { id: row.id, name: row.name, actor: `epicnode:${row.id}` };
  };
}
