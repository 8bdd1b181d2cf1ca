import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createRequire } from 'node:module';
import { GatewayPageCache } from '../modules/gateway-page-cache.js';
import type { Services } from '../services.js';

const { parse, Kind } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** The content type mercurius gives its answers. */
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Whether a document only reads gateway pages: the operation it runs is a query whose root fields are all
 * `gateways` (or `__typename`). Its answer then depends only on the caller's account, the document and its
 * variables, and on what the account's GatewayListVersion guards (modules/gateway-page-cache.ts).
 */
export function readsOnlyGatewayPages(query: string, operationName: unknown): boolean {
  let doc;
  try {
    doc = parse(query, { noLocation: true });
  } catch {
    return false;
  }
  const ops = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const op =
    typeof operationName === 'string' && operationName
      ? ops.find((o) => o.name?.value === operationName)
      : ops.length === 1
        ? ops[0]
        : undefined;
  if (!op || op.operation !== 'query') return false;
  return op.selectionSet.selections.every(
    (s) => s.kind === Kind.FIELD && (s.name.value === 'gateways' || s.name.value === '__typename'),
  );
}

interface Pending {
  key: string;
  version: string;
}
const pending = new WeakMap<FastifyRequest, Pending>();

/**
 * Keeps the answers of GraphQL documents that only read gateway pages, by account, document and
 * variables, with the account's GatewayListVersion they were read at; a kept answer is sent again (no execution, no
 * serialisation) while the version is the same. The version is read before the document runs, so a kept
 * answer is never older than its version. Only successful answers are kept, and only for documents that
 * mercurius ran once for this account (its validation and limits included).
 */
export function installGraphqlPageCache(app: FastifyInstance, services: Services, entries: number): void {
  // The answers as bytes: encoded to UTF-8 once, not on every write.
  const pages = new GatewayPageCache<Buffer>(entries, 16 * 2 ** 20, (b) => b.length);
  const verdicts = new Map<string, boolean>();
  app.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST' || req.routeOptions.url !== '/graphql' || !req.principal) return;
    const body = req.body as { query?: unknown; variables?: unknown; operationName?: unknown } | null;
    if (!body || typeof body !== 'object' || Array.isArray(body) || typeof body.query !== 'string') return;
    const doc = `${JSON.stringify(body.operationName ?? null)} ${body.query}`;
    let cacheable = verdicts.get(doc);
    if (cacheable === undefined) {
      if (verdicts.size >= 256) verdicts.clear();
      verdicts.set(doc, (cacheable = readsOnlyGatewayPages(body.query, body.operationName)));
    }
    if (!cacheable) return;
    const p = req.principal;
    const key = `${p.accountId} ${p.role} ${p.system} ${JSON.stringify(body.variables ?? null)} ${doc}`;
    // Without the version (the database is away) the document runs as any other and mercurius answers.
    const version = await services.gateways
      .listVersion({ principal: p, requestId: req.id })
      .catch(() => undefined);
    if (version === undefined) return;
    const kept = pages.get(key, version);
    if (kept !== undefined) return reply.code(200).type(JSON_TYPE).send(kept);
    pending.set(req, { key, version });
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const p = pending.get(req);
    if (!p || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
    // An answer with errors (even partial) is not kept.
    if (payload.startsWith('{"data":{') && !payload.includes('"errors":'))
      pages.set(p.key, p.version, Buffer.from(payload));
    return payload;
  });
}
