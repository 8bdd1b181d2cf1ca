import { describe, expect, it } from 'vitest';
import { fromDatabaseError } from '../lib/http-errors.js';
import { dbFailureOf, isConnectionLost } from './errors.js';

// The shapes below are the ones pg 8, pg-pool, Node's net module, Prisma 6 and its pg adapter produce; the
// fault suite (db-faults.test.ts) meets the real ones against a stopped and a frozen server.
const socket = (code: string) =>
  Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -111, syscall: 'connect' });
const sql = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'ERROR' });

describe('database failure classification', () => {
  it('recognises connection failures in every wrapping', () => {
    expect(dbFailureOf(socket('ECONNREFUSED'))).toBe('connection');
    expect(dbFailureOf(new AggregateError([socket('ECONNREFUSED'), socket('ECONNREFUSED')]))).toBe(
      'connection',
    );
    expect(dbFailureOf(new Error('timeout expired'))).toBe('connection');
    expect(dbFailureOf(new Error('timeout exceeded when trying to connect'))).toBe('connection');
    expect(dbFailureOf(new Error('Connection terminated unexpectedly'))).toBe('connection');
    expect(dbFailureOf(sql('57P01', 'terminating connection due to administrator command'))).toBe(
      'connection',
    );
    expect(dbFailureOf(sql('57P03', 'the database system is starting up'))).toBe('connection');
    expect(dbFailureOf(sql('08006', 'connection failure'))).toBe('connection');
    // Prisma: a known request error with a P1xxx code, and one carrying the adapter's error kind.
    expect(dbFailureOf(Object.assign(new Error("Can't reach database server"), { code: 'P1001' }))).toBe(
      'connection',
    );
    expect(
      dbFailureOf({
        code: 'P2010',
        message: 'x',
        meta: { driverAdapterError: { cause: { kind: 'ConnectionClosed' } } },
      }),
    ).toBe('connection');
    expect(dbFailureOf(new Error('wrapped', { cause: socket('ECONNRESET') }))).toBe('connection');
  });

  it('tells timeouts apart, and keeps ordinary SQL errors out', () => {
    expect(dbFailureOf(new Error('Query read timeout'))).toBe('no-answer');
    expect(dbFailureOf(sql('57014', 'canceling statement due to statement timeout'))).toBe(
      'statement-timeout',
    );
    expect(dbFailureOf(sql('55P03', 'canceling statement due to lock timeout'))).toBe('lock-timeout');
    expect(dbFailureOf({ kind: 'postgres', code: '57014', message: 'x' })).toBe('statement-timeout');
    expect(dbFailureOf(sql('23505', 'duplicate key value violates unique constraint'))).toBeUndefined();
    expect(dbFailureOf(new Error('something else'))).toBeUndefined();
    expect(dbFailureOf(Object.assign(new Error('EPIPE-looking'), { code: 'EPIPE' }))).toBe('connection');
    expect(dbFailureOf(undefined)).toBeUndefined();
    // A SQLSTATE-looking code without a severity is not a server answer.
    expect(dbFailureOf({ code: '57014', message: 'x' })).toBeUndefined();
  });

  it('drops only connections that are gone or wedged', () => {
    expect(isConnectionLost(new Error('Query read timeout'))).toBe(true);
    expect(isConnectionLost(socket('ECONNRESET'))).toBe(true);
    expect(isConnectionLost(sql('57014', 'canceling statement due to statement timeout'))).toBe(false);
    expect(isConnectionLost(sql('23505', 'duplicate'))).toBe(false);
  });

  it('maps each to 503 Unavailable with Retry-After, naming the database and nothing internal', () => {
    const e = fromDatabaseError(socket('ECONNREFUSED'))!;
    expect(e).toMatchObject({ code: 'Unavailable', status: 503, retryAfterSeconds: 2 });
    expect(e.message).toMatch(/^database unavailable/);
    expect(e.message).not.toMatch(/127\.0\.0\.1|5432/);
    expect(fromDatabaseError(sql('55P03', 'lock'))!.message).toMatch(/^database busy/);
    expect(fromDatabaseError(new Error('nope'))).toBeUndefined();
  });
});
