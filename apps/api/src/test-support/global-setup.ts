import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDatabase, startEmbeddedPostgres } from '../db/embedded-postgres.js';
import { migrate } from '../db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgServerUrl: string;
  }
}

/**
 * One real PostgreSQL for the whole API suite; one migrated template database that every test file
 * clones (CREATE DATABASE … TEMPLATE, ~50 ms) so each file gets a fresh database.
 */
export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'epic-test-pg-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port, persistent: false });
  const template = pg.url('epic_template');
  await ensureDatabase(template);
  await migrate(template);
  project.provide('pgServerUrl', pg.url(''));
  const stop = async () => {
    await pg.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  return stop;
}
