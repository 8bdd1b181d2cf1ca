import { describe, expect, it } from 'vitest';
import { ConfigError, dbTimeouts, loadConfig } from './config.js';

describe('configuration', () => {
  it('applies defaults', () => {
    expect(loadConfig({})).toMatchObject({
      PORT: 8080,
      HOST: '127.0.0.1',
      EPIC_DATA_DIR: '.epic',
      RECONCILER: true,
    });
  });
  it('fails fast naming each bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', RECONCILER: 'maybe' })).toThrow(
      ConfigError,
    );
    const bad = () => loadConfig({ PORT: '70000', DATABASE_URL: 'mysql://x' });
    expect(bad).toThrow(/PORT: .*65535/);
    expect(bad).toThrow(/DATABASE_URL: must be a postgresql:\/\/ URL/);
  });
  it('bounds the tenant pool size limits by the address length', () => {
    expect(loadConfig({})).toMatchObject({ TENANT_POOL_MAX_PREFIX_V4: 16, TENANT_POOL_MAX_PREFIX_V6: 64 });
    expect(() => loadConfig({ TENANT_POOL_MAX_PREFIX_V4: '33' })).toThrow(/TENANT_POOL_MAX_PREFIX_V4: /);
    expect(() => loadConfig({ TENANT_POOL_MAX_PREFIX_V6: '129' })).toThrow(/TENANT_POOL_MAX_PREFIX_V6: /);
  });
  it('validates the xDS token lifetime: seven days by default, 60 s to one year', () => {
    expect(loadConfig({}).XDS_TOKEN_TTL_SECONDS).toBe(604800);
    expect(loadConfig({ XDS_TOKEN_TTL_SECONDS: '3600' }).XDS_TOKEN_TTL_SECONDS).toBe(3600);
    expect(() => loadConfig({ XDS_TOKEN_TTL_SECONDS: '59' })).toThrow(/XDS_TOKEN_TTL_SECONDS: .*60/);
    expect(() => loadConfig({ XDS_TOKEN_TTL_SECONDS: '31536001' })).toThrow(/XDS_TOKEN_TTL_SECONDS/);
    expect(() => loadConfig({ XDS_TOKEN_TTL_SECONDS: '1.5h' })).toThrow(/XDS_TOKEN_TTL_SECONDS/);
  });
  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });
  it('bounds database waits by default and validates the timeouts', () => {
    expect(dbTimeouts(loadConfig({}))).toEqual({
      connectMs: 2_000,
      statementMs: 15_000,
      lockMs: 5_000,
      idleInTransactionMs: 30_000,
      keepAliveMs: 10_000,
      heartbeatMs: 5_000,
      reconnectMaxMs: 5_000,
    });
    expect(() => loadConfig({ DB_CONNECT_TIMEOUT_MS: '0' })).toThrow(/DB_CONNECT_TIMEOUT_MS: .*100/);
    expect(() => loadConfig({ DB_STATEMENT_TIMEOUT_MS: 'soon' })).toThrow(/DB_STATEMENT_TIMEOUT_MS/);
    expect(() => loadConfig({ DB_STATEMENT_TIMEOUT_MS: '3000', DB_LOCK_TIMEOUT_MS: '3000' })).toThrow(
      /DB_LOCK_TIMEOUT_MS: must be less than DB_STATEMENT_TIMEOUT_MS \(3000\)/,
    );
  });
});
