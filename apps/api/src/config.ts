import { z } from 'zod';

/**
 * Configuration is parsed once, here, from the environment; nothing else reads process.env.
 * A bad value stops start-up with a message naming the variable.
 */
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const fields = {
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .optional(),
  EPIC_DATA_DIR: z.string().min(1).default('.epic'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54320),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RECONCILE_RESYNC_SECONDS: z.coerce.number().min(1).max(86400).default(60),
  RECONCILER: bool.default(true),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  SEED_DEMO: bool.default(true),
  XDS: bool.default(true),
  XDS_HOST: z.string().min(1).default('127.0.0.1'),
  XDS_PORT: z.coerce.number().int().min(0).max(65535).default(18000),
  /** Address proxies use to reach the xDS server (bootstraps); defaults to XDS_HOST. */
  XDS_ADVERTISE_HOST: z.string().min(1).optional(),
  /** Bounds on one GraphQL request (see README, "GraphQL limits"). */
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).max(100).default(12),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).max(10_000).default(30),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(1).max(10_000_000).default(50_000),
  GRAPHQL_MAX_MUTATIONS: z.coerce.number().int().min(1).max(1_000).default(10),
  GRAPHQL_MAX_QUERY_BYTES: z.coerce
    .number()
    .int()
    .min(256)
    .max(1024 * 1024)
    .default(32 * 1024),
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(10).max(100_000).default(5_000),
  GRAPHQL_MAX_BATCH: z.coerce.number().int().min(0).max(100).default(0),
  GRAPHQL_MAX_INPUT_DEPTH: z.coerce.number().int().min(2).max(64).default(20),
  GRAPHQL_DEFAULT_PAGE_SIZE: z.coerce.number().int().min(1).max(10_000).default(50),
  GRAPHQL_DEFAULT_LIST_SIZE: z.coerce.number().int().min(1).max(10_000).default(10),
  /** 32-byte key (hex) that encrypts certificate private keys at rest. */
  EPIC_SECRET_KEY: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 hex characters (32 bytes)')
    .optional(),
};
const schema = z.object(fields);

export type Config = z.output<typeof schema>;

/** The GraphQL bounds of a configuration, in the shape the GraphQL face takes. */
export function graphqlLimitsOf(c: Config) {
  return {
    maxDepth: c.GRAPHQL_MAX_DEPTH,
    maxAliases: c.GRAPHQL_MAX_ALIASES,
    maxCost: c.GRAPHQL_MAX_COST,
    maxRootMutations: c.GRAPHQL_MAX_MUTATIONS,
    maxQueryBytes: c.GRAPHQL_MAX_QUERY_BYTES,
    maxTokens: c.GRAPHQL_MAX_TOKENS,
    maxBatch: c.GRAPHQL_MAX_BATCH,
    maxInputDepth: c.GRAPHQL_MAX_INPUT_DEPTH,
    defaultPageSize: c.GRAPHQL_DEFAULT_PAGE_SIZE,
    defaultListSize: c.GRAPHQL_DEFAULT_LIST_SIZE,
  };
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = Object.fromEntries(Object.keys(fields).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const r = schema.safeParse(known);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${String(i.path[0] ?? '?')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return r.data;
}
