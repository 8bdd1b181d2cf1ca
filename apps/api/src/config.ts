import { z } from 'zod';
import type { DbTimeouts } from './db/client.js';

/**
 * Configuration is parsed once, here, from the environment; nothing else reads process.env.
 * A bad value stops start-up with a message naming the variable.
 */
const millis = (min: number, max: number, dflt: number) =>
  z.coerce.number().int().min(min).max(max).default(dflt);

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
  /** Database timeouts (docs: README, "Configuration"); every wait on PostgreSQL is bounded. */
  DB_CONNECT_TIMEOUT_MS: millis(100, 60_000, 2_000),
  DB_STATEMENT_TIMEOUT_MS: millis(100, 600_000, 15_000),
  DB_LOCK_TIMEOUT_MS: millis(100, 600_000, 5_000),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: millis(1_000, 3_600_000, 30_000),
  DB_KEEPALIVE_MS: millis(1_000, 3_600_000, 10_000),
  DB_LISTEN_HEARTBEAT_MS: millis(100, 600_000, 5_000),
  DB_RECONNECT_MAX_MS: millis(100, 600_000, 5_000),
  RECONCILE_RESYNC_SECONDS: z.coerce.number().min(1).max(86400).default(60),
  RECONCILER: bool.default(true),
  /**
   * What runs each gateway's proxies (apps/api/src/provisioner): none; `kubernetes` (Envoy fleets in the EPIC
   * cluster, reached with EPIC_CLUSTER_KUBECONFIG or EPIC_CLUSTER_IN_CLUSTER); `local` (Envoy processes on
   * loopback when an `envoy` binary is on PATH; what `npm start` uses).
   */
  PROVISIONER: z.enum(['none', 'kubernetes', 'local']).default('none'),
  /** Path of the kubeconfig for the EPIC cluster (PROVISIONER=kubernetes). */
  EPIC_CLUSTER_KUBECONFIG: z.string().min(1).optional(),
  /** Reach the EPIC cluster with the pod's service account (PROVISIONER=kubernetes, the API runs inside it). */
  EPIC_CLUSTER_IN_CLUSTER: bool.default(false),
  /** How often the provisioner looks again at fleets that are not ready yet. */
  PROVISIONER_POLL_SECONDS: z.coerce.number().min(0.1).max(3600).default(5),
  /** The Envoy binary of PROVISIONER=local (looked up on PATH). */
  ENVOY_BINARY: z.string().min(1).default('envoy'),
  /**
   * Gateway pages each face keeps while nothing they show changes (modules/gateway-page-cache.ts); 0 turns
   * the keeping off (every list request runs the page query).
   */
  GATEWAY_PAGE_CACHE_ENTRIES: z.coerce.number().int().min(0).max(10_000).default(64),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  SEED_DEMO: bool.default(true),
  /**
   * Set by `npm start`: at every start a fresh admin key of the demo account for the local workload cluster's
   * controller is written to this file (mode 0600) once the API listens; the previous one is revoked.
   */
  LOCAL_CLUSTER_KEY_FILE: z.string().min(1).optional(),
  XDS: bool.default(true),
  XDS_HOST: z.string().min(1).default('127.0.0.1'),
  XDS_PORT: z.coerce.number().int().min(0).max(65535).default(18000),
  /** Address proxies use to reach the xDS server (bootstraps); defaults to XDS_HOST. */
  XDS_ADVERTISE_HOST: z.string().min(1).optional(),
  /** The largest pool an account may create for itself, as the shortest prefix length (larger: global pools). */
  TENANT_POOL_MAX_PREFIX_V4: z.coerce.number().int().min(0).max(32).default(16),
  TENANT_POOL_MAX_PREFIX_V6: z.coerce.number().int().min(0).max(128).default(64),
  /**
   * Lifetime of the xDS tokens the API issues (bootstraps, POST /gateways/{id}/xds-token); an open stream ends
   * when its token expires (docs/adr/0403-xds-token-lifecycle.md). 60 s to one year; default 7 days.
   */
  XDS_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(365 * 24 * 3600)
    .default(7 * 24 * 3600),
  /** Bounds on one GraphQL request (see README, "GraphQL limits"). */
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).max(100).default(12),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).max(10_000).default(30),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
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
  /** GitHub OAuth app of the Service Manager's sign-in (both or neither); endpoints overridable (tests, GHES). */
  GITHUB_CLIENT_ID: z.string().min(1).optional(),
  GITHUB_CLIENT_SECRET: z.string().min(1).optional(),
  GITHUB_AUTHORIZE_URL: z.url().default('https://github.com/login/oauth/authorize'),
  GITHUB_TOKEN_URL: z.url().default('https://github.com/login/oauth/access_token'),
  GITHUB_API_URL: z.url().default('https://api.github.com'),
  /** The callback URL registered with the GitHub app; default: this server's /auth/github/callback. */
  GITHUB_CALLBACK_URL: z.url().optional(),
  /** The clearly marked local sign-in for the seeded admin and demo users; default: on without a GitHub app. */
  LOCAL_SIGN_IN: bool.optional(),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .min(1)
    .max(24 * 90)
    .default(7 * 24),
  /** 32-byte key (hex) that encrypts certificate private keys at rest. */
  EPIC_SECRET_KEY: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 hex characters (32 bytes)')
    .optional(),
};
const schema = z.object(fields).superRefine((c, ctx) => {
  if (Boolean(c.GITHUB_CLIENT_ID) !== Boolean(c.GITHUB_CLIENT_SECRET))
    ctx.addIssue({
      code: 'custom',
      path: [c.GITHUB_CLIENT_ID ? 'GITHUB_CLIENT_SECRET' : 'GITHUB_CLIENT_ID'],
      message: 'GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET go together',
    });
  if (c.PROVISIONER === 'kubernetes' && Boolean(c.EPIC_CLUSTER_KUBECONFIG) === c.EPIC_CLUSTER_IN_CLUSTER)
    ctx.addIssue({
      code: 'custom',
      path: ['EPIC_CLUSTER_KUBECONFIG'],
      message:
        'PROVISIONER=kubernetes needs exactly one of EPIC_CLUSTER_KUBECONFIG and EPIC_CLUSTER_IN_CLUSTER=true',
    });
  // A lock wait is part of a statement: a lock timeout at or past the statement timeout never fires.
  if (c.DB_LOCK_TIMEOUT_MS >= c.DB_STATEMENT_TIMEOUT_MS)
    ctx.addIssue({
      code: 'custom',
      path: ['DB_LOCK_TIMEOUT_MS'],
      message: `must be less than DB_STATEMENT_TIMEOUT_MS (${c.DB_STATEMENT_TIMEOUT_MS})`,
    });
});

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

/** The sign-in options of the Service Manager (apps/api/src/auth/web-auth.ts) from a configuration. */
export function webAuthOf(c: Config) {
  const github =
    c.GITHUB_CLIENT_ID && c.GITHUB_CLIENT_SECRET
      ? {
          clientId: c.GITHUB_CLIENT_ID,
          clientSecret: c.GITHUB_CLIENT_SECRET,
          authorizeUrl: c.GITHUB_AUTHORIZE_URL,
          tokenUrl: c.GITHUB_TOKEN_URL,
          apiUrl: c.GITHUB_API_URL,
          ...(c.GITHUB_CALLBACK_URL ? { callbackUrl: c.GITHUB_CALLBACK_URL } : {}),
        }
      : undefined;
  return {
    ...(github ? { github } : {}),
    localSignIn: c.LOCAL_SIGN_IN ?? !github,
    sessionTtlSeconds: Math.round(c.SESSION_TTL_HOURS * 3600),
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

/** The database timeouts of `createDb` from the configuration. */
export function dbTimeouts(c: Config): DbTimeouts {
  return {
    connectMs: c.DB_CONNECT_TIMEOUT_MS,
    statementMs: c.DB_STATEMENT_TIMEOUT_MS,
    lockMs: c.DB_LOCK_TIMEOUT_MS,
    idleInTransactionMs: c.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    keepAliveMs: c.DB_KEEPALIVE_MS,
    heartbeatMs: c.DB_LISTEN_HEARTBEAT_MS,
    reconnectMaxMs: c.DB_RECONNECT_MAX_MS,
  };
}
