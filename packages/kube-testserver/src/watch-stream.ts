// One watch connection: initial state or history replay, live events filtered by namespace and selectors
// (selector transitions become ADDED/DELETED as in the watch cache), bookmarks, 410 Gone as an ERROR event.
import type { ServerResponse } from 'node:http';
import type { KubeApi, RequestTarget } from './api-handlers.js';
import { isObject, type JsonObject } from './json.js';
import type { ObjectStore, StoreEvent } from './object-store.js';
import { apiVersionOf, storageKey } from './resource-types.js';
import { gone, StatusError } from './status.js';
import { toTable } from './table.js';

export interface WatchOptions {
  bookmarkIntervalMs: number;
  /** Encode objects as one-row meta.k8s.io Tables (what `kubectl get -w` asks for). */
  table: boolean;
  includeObject: string;
}

export interface ActiveWatch {
  /** Ends the stream: cleanly (as a server timeout does) or by destroying the socket. */
  close(abrupt: boolean): void;
}

export function startWatch(
  api: KubeApi,
  store: ObjectStore,
  t: RequestTarget,
  res: ServerResponse,
  opts: WatchOptions,
  onClose: () => void,
): ActiveWatch {
  const match = api.matcher(t);
  const resource = storageKey(t.type);
  const ns = t.type.namespaced ? t.namespace : undefined;
  const inScope = (o: JsonObject | undefined): boolean => {
    if (!o) return false;
    const m = isObject(o.metadata) ? o.metadata : {};
    return (ns === undefined || m.namespace === ns) && match(o);
  };
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  let closed = false;
  let lastRv = store.resourceVersion;
  const asTable = (obj: JsonObject): JsonObject => {
    const m = isObject(obj.metadata) ? obj.metadata : {};
    return toTable(
      t.type,
      [obj],
      { resourceVersion: typeof m.resourceVersion === 'string' ? m.resourceVersion : '' },
      opts.includeObject,
    );
  };
  const wrap = (obj: JsonObject): JsonObject => (opts.table ? asTable(obj) : obj);
  const write = (type: string, obj: JsonObject): void => {
    if (!closed)
      res.write(
        `${JSON.stringify({ type, object: type === 'ERROR' || type === 'BOOKMARK' ? obj : wrap(obj) })}\n`,
      );
  };
  const deliver = (e: StoreEvent): void => {
    const now = inScope(e.obj);
    const before = e.type === 'MODIFIED' ? inScope(e.prev) : now;
    let type: string | undefined;
    if (e.type === 'MODIFIED')
      type = now && before ? 'MODIFIED' : now ? 'ADDED' : before ? 'DELETED' : undefined;
    else type = now ? e.type : undefined;
    lastRv = e.rv;
    if (type && !closed) {
      // An object leaving the selector is sent as DELETED with its previous state at the event's
      // resourceVersion (cacheWatcher.convertToWatchEvent).
      const left = e.type === 'MODIFIED' && type === 'DELETED';
      const encoding = `${opts.table ? `${apiVersionOf(t.type)} table ${opts.includeObject}` : apiVersionOf(t.type)}${left ? ' left' : ''}`;
      res.write(
        encodeEvent(e, type, encoding, () =>
          wrap(api.present(t.type, left && e.prev ? atResourceVersion(e.prev, e.rv) : e.obj)),
        ),
      );
    }
  };
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  let unsubscribe: () => unknown = () => true;
  const finish = (): void => {
    if (closed) return;
    closed = true;
    clearTimeout(bookmarkTimer);
    clearTimeout(timeoutTimer);
    unsubscribe();
    onClose();
  };
  res.on('close', finish);

  const rvParam = t.query.get('resourceVersion') ?? '';
  const initial = t.query.get('sendInitialEvents') === 'true' || rvParam === '' || rvParam === '0';
  try {
    if (initial) {
      for (const o of store.list(resource, ns)) if (inScope(o)) write('ADDED', api.present(t.type, o));
      lastRv = store.resourceVersion;
      if (t.query.get('sendInitialEvents') === 'true') {
        write('BOOKMARK', bookmark(t, lastRv, true));
      }
    } else {
      const rv = Number(rvParam);
      if (!Number.isFinite(rv))
        throw new StatusError(400, 'BadRequest', `invalid resource version: ${rvParam}`);
      // A custom resource's watch cache starts when its CRD's storage was created.
      const since = api.watchableSince(t.type);
      if (rv < since) throw gone(`too old resource version: ${rv} (${since})`);
      for (const e of store.eventsSince(resource, rv)) deliver(e);
      lastRv = Math.max(rv, store.resourceVersion);
    }
  } catch (err) {
    if (err instanceof StatusError) {
      write('ERROR', err.toStatus());
      res.end();
      finish();
      return { close: () => undefined };
    }
    throw err;
  }
  unsubscribe = store.addWatcher({ resource, deliver });
  if (t.query.get('allowWatchBookmarks') === 'true' && opts.bookmarkIntervalMs > 0) {
    const tick = (): void => {
      write('BOOKMARK', bookmark(t, Math.max(lastRv, store.resourceVersion), false));
      bookmarkTimer = setTimeout(tick, opts.bookmarkIntervalMs);
    };
    bookmarkTimer = setTimeout(tick, opts.bookmarkIntervalMs);
  }
  const timeout = Number(t.query.get('timeoutSeconds') ?? 0);
  if (timeout > 0) {
    timeoutTimer = setTimeout(() => {
      res.end();
      finish();
    }, timeout * 1000);
  }
  return {
    close(abrupt: boolean) {
      if (abrupt) res.destroy();
      else res.end();
      finish();
    },
  };
}

/**
 * Watchers of the same resource and version share one encoding of each event. Fan-out is synchronous, so
 * only the event being delivered is cached (replays from history simply encode again).
 */
let encodedEvent: StoreEvent | undefined;
let encodedLines = new Map<string, string>();
function encodeEvent(e: StoreEvent, type: string, encoding: string, present: () => JsonObject): string {
  if (encodedEvent !== e) {
    encodedEvent = e;
    encodedLines = new Map();
  }
  const byKey = encodedLines;
  const key = `${type} ${encoding}`;
  let line = byKey.get(key);
  if (line === undefined) {
    line = `${JSON.stringify({ type, object: present() })}\n`;
    byKey.set(key, line);
  }
  return line;
}

function atResourceVersion(obj: JsonObject, rv: number): JsonObject {
  const m = isObject(obj.metadata) ? obj.metadata : {};
  return { ...obj, metadata: { ...m, resourceVersion: String(rv) } };
}

function bookmark(t: RequestTarget, rv: number, initialEnd: boolean): JsonObject {
  return {
    kind: t.type.kind,
    apiVersion: apiVersionOf(t.type),
    metadata: {
      resourceVersion: String(rv),
      ...(initialEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
    },
  };
}
