import type { Db } from '../db/client.js';
import type { Principal } from '../auth/principal.js';
import { AppError, isAppError } from '../lib/errors.js';

export { API_KEY_REVOKED_CHANNEL } from '../auth/api-keys.js';

/** graphql-transport-ws' code for "Forbidden": the socket is closed with it when its key is revoked. */
export const CLOSE_FORBIDDEN = 4403;

interface Socket {
  close(code?: number, reason?: string): void;
}

/** What a subscription resolver's context carries for the guard (set by the subscription context). */
export interface GuardContext {
  principal?: Principal;
  socket?: Socket;
  subscriptionGuard?: SubscriptionGuard;
}

const keyIdOf = (p: Principal): string | undefined =>
  p.actor.startsWith('apikey:') ? p.actor.slice('apikey:'.length) : undefined;

/**
 * Authorises subscriptions per event, not only at subscribe time, and closes the sockets of a revoked key.
 * Revocation reaches every replica by NOTIFY; the per-event check covers anything a replica missed.
 */
export class SubscriptionGuard {
  private readonly open = new Map<string, Set<() => void>>();

  constructor(private readonly db: Db) {}

  /** Whether the principal's credentials still hold (its API key or session exists and is not revoked). */
  async stillValid(p: Principal): Promise<boolean> {
    // A Service Manager session (cookie) holds while it is neither signed out, revoked nor expired.
    const sessionId = (p as { session?: { id?: string } }).session?.id;
    if (sessionId) {
      const r = await this.db.$pool.query(
        'SELECT 1 FROM "Session" WHERE id = $1::uuid AND "revokedAt" IS NULL AND "expiresAt" > now()',
        [sessionId],
      );
      return r.rowCount === 1;
    }
    const keyId = keyIdOf(p);
    if (!keyId) return true;
    const r = await this.db.$pool.query(
      'SELECT 1 FROM "ApiKey" WHERE id = $1::uuid AND "revokedAt" IS NULL',
      [keyId],
    );
    return r.rowCount === 1;
  }

  /** Closes every open subscription socket of this key in this replica. */
  revoked(keyId: string): void {
    const closers = this.open.get(keyId);
    if (!closers) return;
    this.open.delete(keyId);
    for (const close of closers) close();
  }

  /** Number of guarded subscriptions still open (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const s of this.open.values()) n += s.size;
    return n;
  }

  /**
   * Wraps a subscription's event stream: before each event is delivered the principal is re-checked and
   * `authorise` (the same service call that authorised the subscription) runs again; either failing ends the
   * subscription with that error. Revocation of the key closes the socket with 4403.
   */
  guard<T>(
    ctx: GuardContext,
    source: AsyncIterator<T> | AsyncIterable<T>,
    authorise: () => Promise<unknown>,
  ): AsyncIterableIterator<T> {
    const principal = ctx.principal;
    const it: AsyncIterator<T> =
      Symbol.asyncIterator in source ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : source;
    const keyId = principal && keyIdOf(principal);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      ctx.socket?.close(CLOSE_FORBIDDEN, 'Forbidden: API key revoked');
      void it.return?.();
    };
    if (keyId) {
      const set = this.open.get(keyId) ?? new Set();
      set.add(close);
      this.open.set(keyId, set);
    }
    const forget = () => {
      if (!keyId) return;
      const set = this.open.get(keyId);
      set?.delete(close);
      if (set?.size === 0) this.open.delete(keyId);
    };
    const finish = async (): Promise<IteratorResult<T>> => {
      forget();
      await it.return?.();
      return { value: undefined, done: true };
    };
    const self: AsyncIterableIterator<T> = {
      next: async () => {
        const r = await it.next();
        if (r.done || closed) return finish();
        try {
          if (!principal || !(await this.stillValid(principal)))
            throw new AppError('Unauthorized', 'the API key of this subscription was revoked');
          await authorise();
        } catch (err) {
          forget();
          await it.return?.();
          // Sent as the subscription's error message: carry the code as the HTTP face's errors do.
          if (isAppError(err))
            throw Object.assign(err, { extensions: { code: err.code, status: err.status } });
          throw err;
        }
        return r;
      },
      return: finish,
      throw: async (err: unknown) => {
        forget();
        await it.return?.();
        throw err;
      },
      [Symbol.asyncIterator]: () => self,
    };
    return self;
  }
}

const guards = new WeakMap<object, SubscriptionGuard>();

/** The guard of an app (one per Fastify instance, shared by its resolvers and its LISTEN fan-out). */
export function subscriptionGuardOf(app: object, db?: Db): SubscriptionGuard {
  let g = guards.get(app);
  if (!g) {
    if (!db) throw new Error('subscription guard not initialised for this app');
    g = new SubscriptionGuard(db);
    guards.set(app, g);
  }
  return g;
}
