// startKubeTestServer: the HTTP front of the in-memory API server (routing, bearer auth, faults, encoding).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { KubeApi, type RequestTarget } from './api-handlers.js';
import { Faults } from './faults.js';
import { GarbageCollector } from './garbage-collector.js';
import { isObject, type Json, type JsonObject } from './json.js';
import { renderKubeconfig } from './kubeconfig.js';
import { ObjectStore } from './object-store.js';
import { decodeProtobuf, PROTOBUF, UnreadableKind } from './protobuf.js';
import { openapiGroupVersion, openapiRoot } from './openapi.js';
import { ResourceRegistry } from './registry.js';
import { methodNotAllowed, notFound, StatusError, unsupportedMediaType } from './status.js';
import { toTable, wantsTable } from './table.js';
import { startWatch, type ActiveWatch } from './watch-stream.js';

export interface KubeTestServerOptions {
  /** Bearer token clients must send; random when omitted. */
  token?: string;
  /** Events kept for watches that resume from a resourceVersion; older ones get 410 Gone. Default 10,000. */
  historySize?: number;
  /**
   * Compact the store every this many ms, as kube-apiserver has etcd do every 5 minutes (to the revision of
   * the previous tick): watches, exact lists and continue tokens from before it get 410. Default: never
   * (tests call `store.compact()`).
   */
  compactionIntervalMs?: number;
  /** Interval between BOOKMARK events on watches that allow them. Default 1000 ms. */
  bookmarkIntervalMs?: number;
  /** Write a kubeconfig to this path (or to a fresh temp dir when `true`). */
  kubeconfigPath?: string | true;
  /** Kubernetes version reported by /version. */
  gitVersion?: string;
  /**
   * Serve HTTPS with the package's test certificate (default). kubectl only sends bearer tokens over TLS
   * (client-go drops credentials for plain-HTTP servers), so plain HTTP suits client-node-only use.
   */
  tls?: boolean;
  /**
   * Run kube-controller-manager's garbage collector (ownerReferences, propagationPolicy). Default true;
   * `false` leaves dependents alone, like a cluster whose controller manager is down.
   */
  garbageCollector?: boolean;
}

export interface KubeTestServer {
  url: string;
  token: string;
  kubeconfigPath: string | undefined;
  store: ObjectStore;
  faults: Faults;
  /** Resources served (built-ins and established CRD versions). */
  registry: ResourceRegistry;
  /** Open watch connections (lets tests wait until a controller is watching, or has stopped). */
  watchCount(): number;
  /** Resolves once the garbage collector has nothing left to do (dependents collected, finalizers removed). */
  settled(): Promise<void>;
  /** PEM of the CA that signed the server certificate (TLS only). */
  caCertificate: string | undefined;
  /** The kubeconfig text for this server. */
  kubeconfig(namespace?: string): string;
  writeKubeconfig(path: string, namespace?: string): void;
  /** A @kubernetes/client-node KubeConfig pointed at this server (loaded lazily: client-node is heavy). */
  kubeConfig(): Promise<KubeConfig>;
  close(): Promise<void>;
}

interface ParsedPath {
  group: string;
  version: string;
  rest: string[];
}

function parseApiPath(segments: string[]): ParsedPath | undefined {
  if (segments[0] === 'api' && segments.length >= 2)
    return { group: '', version: segments[1] as string, rest: segments.slice(2) };
  if (segments[0] === 'apis' && segments.length >= 3) {
    return { group: segments[1] as string, version: segments[2] as string, rest: segments.slice(3) };
  }
  return undefined;
}

async function readBodyBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBodyBytes(req)).toString('utf8');
}

function send(res: ServerResponse, code: number, body: Json, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  res.end(text);
}

export async function startKubeTestServer(opts: KubeTestServerOptions = {}): Promise<KubeTestServer> {
  const token = opts.token ?? randomBytes(16).toString('hex');
  const store = new ObjectStore(opts.historySize ?? 10_000);
  const registry = new ResourceRegistry();
  const api = new KubeApi(store, registry);
  const collector = opts.garbageCollector === false ? undefined : new GarbageCollector(store, api);
  // Like kube-apiserver's compactor: each tick compacts to the revision seen at the previous tick.
  let compactNext = store.resourceVersion;
  const compaction =
    opts.compactionIntervalMs && opts.compactionIntervalMs > 0
      ? setInterval(() => {
          store.compact(compactNext);
          compactNext = store.resourceVersion;
        }, opts.compactionIntervalMs)
      : undefined;
  compaction?.unref();
  const faults = new Faults();
  const watches = new Set<ActiveWatch>();
  faults.dropWatchesHook = (abrupt) => {
    const all = [...watches];
    for (const w of all) w.close(abrupt);
    return all.length;
  };
  const gitVersion = opts.gitVersion ?? 'v1.32.0';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    if (['/healthz', '/livez', '/readyz'].includes(url.pathname)) {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    if (url.pathname === '/version') {
      const [major, minor] = gitVersion.replace(/^v/, '').split('.');
      send(res, 200, {
        major: major ?? '1',
        minor: minor ?? '32',
        gitVersion,
        gitCommit: 'kube-testserver',
        gitTreeState: 'clean',
        buildDate: '2026-01-01T00:00:00Z',
        goVersion: 'go1.23',
        compiler: 'gc',
        platform: 'linux/amd64',
      });
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      send(res, 401, new StatusError(401, 'Unauthorized', 'Unauthorized').toStatus());
      return;
    }
    const fault = await faults.gate();
    if (fault) {
      const reason =
        fault.code === 429 ? 'TooManyRequests' : fault.code === 503 ? 'ServiceUnavailable' : 'InternalError';
      const message =
        fault.code === 429
          ? 'Too many requests, please try again later.'
          : 'Internal error occurred: injected fault';
      const err = new StatusError(
        fault.code,
        reason,
        message,
        fault.code === 429 ? { retryAfterSeconds: fault.retryAfterSeconds ?? 1 } : undefined,
      );
      send(
        res,
        fault.code,
        err.toStatus(),
        fault.code === 429 ? { 'Retry-After': String(fault.retryAfterSeconds ?? 1) } : {},
      );
      return;
    }
    if (url.pathname === '/api' || url.pathname === '/api/') {
      send(res, 200, registry.apiVersions(url.host));
      return;
    }
    if (url.pathname === '/apis' || url.pathname === '/apis/') {
      send(res, 200, registry.apiGroupList());
      return;
    }
    if (url.pathname === '/openapi/v3') {
      send(res, 200, openapiRoot(registry));
      return;
    }
    if (url.pathname.startsWith('/openapi/v3/')) {
      const doc = openapiGroupVersion(registry, url.pathname.slice('/openapi/v3/'.length));
      if (!doc) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      send(res, 200, doc);
      return;
    }
    if (segments[0] === 'apis' && segments.length === 2) {
      const g = registry.apiGroup(segments[1] as string);
      if (g) send(res, 200, g);
      else throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      return;
    }
    const p = parseApiPath(segments);
    if (!p) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    if (p.rest.length === 0) {
      const list = registry.apiResourceList(p.group, p.version);
      if (!list) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      send(res, 200, list);
      return;
    }
    let rest = p.rest;
    let watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    if (rest[0] === 'watch') {
      watch = true;
      rest = rest.slice(1);
    }
    let namespace: string | undefined;
    if (
      rest[0] === 'namespaces' &&
      rest.length >= 3 &&
      !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))
    ) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [plural, name, subresource, ...extra] = rest;
    const type = registry.find(p.group, p.version, plural ?? '');
    if (!type || extra.length > 0 || (namespace !== undefined && !type.namespaced)) {
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (
      subresource !== undefined &&
      !(subresource === 'status' && type.statusSubresource) &&
      !(subresource === 'finalize' && type.kind === 'Namespace')
    ) {
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const target: RequestTarget = {
      type,
      namespace: type.namespaced ? namespace : undefined,
      name,
      subresource,
      query: url.searchParams,
      userAgent: req.headers['user-agent'] ?? '',
    };
    const accept = req.headers.accept;
    const bodyType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    if (
      (method === 'POST' || method === 'PUT') &&
      bodyType !== '' &&
      bodyType !== 'application/json' &&
      bodyType !== 'application/yaml' &&
      bodyType !== PROTOBUF
    ) {
      // CBOR bodies are refused like a server without that codec; client-go then retries in JSON.
      throw unsupportedMediaType(['application/json', 'application/yaml', PROTOBUF]);
    }
    /** A POST/PUT body as JSON; protobuf only for the kinds kubectl's typed generators send. */
    const requestObject = async (): Promise<Json> => {
      if (bodyType !== PROTOBUF) return parseBody(await readBody(req), bodyType);
      try {
        return decodeProtobuf(await readBodyBytes(req));
      } catch (e) {
        if (e instanceof UnreadableKind) throw unsupportedMediaType(['application/json', 'application/yaml']);
        throw e;
      }
    };
    const reply = (code: number, body: JsonObject, warnings: string[] = []): void => {
      const headers: Record<string, string> = {};
      if (warnings.length > 0) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ');
      send(res, code, body, headers);
    };
    const needsNamespace = (): void => {
      if (type.namespaced && namespace === undefined) throw methodNotAllowed();
    };
    if (name === undefined) {
      if (method === 'GET' && watch) {
        const watchOpts = {
          bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 1000,
          table: wantsTable(accept),
          includeObject: url.searchParams.get('includeObject') ?? 'Metadata',
        };
        // A watch can end inside startWatch (410 Gone): only track it if it is still open afterwards.
        let ended = false;
        const w = startWatch(api, store, target, res, watchOpts, () => {
          ended = true;
          watches.delete(w);
        });
        if (!ended) watches.add(w);
        return;
      }
      if (method === 'GET') {
        const list = api.list(target);
        if (wantsTable(accept)) {
          const items = Array.isArray(list.items) ? list.items.filter(isObject) : [];
          reply(
            200,
            toTable(
              type,
              items,
              list.metadata as JsonObject,
              url.searchParams.get('includeObject') ?? 'Metadata',
            ),
          );
        } else reply(200, list);
        return;
      }
      if (method === 'POST') {
        needsNamespace();
        const r = api.create(target, await requestObject());
        reply(r.code, r.body, r.warnings);
        return;
      }
      if (method === 'DELETE') {
        const body = await readBody(req);
        reply(200, api.deleteCollection(target, body.trim() ? parseJson(body) : null));
        return;
      }
      throw methodNotAllowed();
    }
    if (type.namespaced && namespace === undefined) throw notFound(type.group, type.plural, name);
    if (method === 'GET') {
      const obj = api.get(target);
      if (wantsTable(accept))
        reply(
          200,
          toTable(
            type,
            [obj],
            { resourceVersion: String(store.resourceVersion) },
            url.searchParams.get('includeObject') ?? 'Metadata',
          ),
        );
      else reply(200, obj);
      return;
    }
    if (method === 'PUT') {
      const r = api.update(target, await requestObject());
      reply(r.code, r.body, r.warnings);
      return;
    }
    if (method === 'PATCH') {
      const r = api.patch(target, await readBody(req), req.headers['content-type'] ?? '');
      reply(r.code, r.body, r.warnings);
      return;
    }
    if (method === 'DELETE') {
      const body = await readBody(req);
      const r = api.delete(target, body.trim() ? parseJson(body) : null);
      reply(r.code, r.body, r.warnings);
      return;
    }
    throw methodNotAllowed();
  };

  const tls = opts.tls ?? true;
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      const status =
        err instanceof StatusError
          ? err
          : new StatusError(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`);
      if (!res.headersSent) send(res, status.code, status.toStatus());
      else res.end();
    });
  };
  const server = tls
    ? createHttpsServer(
        {
          key: readFileSync(new URL('../certs/server.key', import.meta.url)),
          cert: readFileSync(new URL('../certs/server.crt', import.meta.url)),
        },
        listener,
      )
    : createHttpServer(listener);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const caData = tls
    ? readFileSync(new URL('../certs/ca.crt', import.meta.url)).toString('base64')
    : undefined;

  let tempDir: string | undefined;
  let kubeconfigPath: string | undefined;
  const kubeconfig = (namespace?: string): string => renderKubeconfig(url, token, namespace, caData);
  const writeKubeconfig = (path: string, namespace?: string): void =>
    writeFileSync(path, kubeconfig(namespace), { mode: 0o600 });
  if (opts.kubeconfigPath === true) {
    tempDir = mkdtempSync(join(tmpdir(), 'kube-testserver-'));
    kubeconfigPath = join(tempDir, 'kubeconfig');
  } else if (typeof opts.kubeconfigPath === 'string') kubeconfigPath = opts.kubeconfigPath;
  if (kubeconfigPath) writeKubeconfig(kubeconfigPath);

  return {
    url,
    token,
    kubeconfigPath,
    caCertificate: caData ? Buffer.from(caData, 'base64').toString('utf8') : undefined,
    store,
    faults,
    registry,
    kubeconfig,
    writeKubeconfig,
    watchCount: () => watches.size,
    settled: () => collector?.idle() ?? Promise.resolve(),
    async kubeConfig() {
      const { KubeConfig } = await import('@kubernetes/client-node');
      const kc = new KubeConfig();
      kc.loadFromString(kubeconfig());
      return kc;
    },
    async close() {
      faults.reset();
      collector?.stop();
      clearInterval(compaction);
      for (const w of [...watches]) w.close(true);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

function parseBody(text: string, contentType: string): Json {
  if (contentType !== 'application/yaml') return parseJson(text);
  try {
    return parseYaml(text) as Json;
  } catch (e) {
    throw new StatusError(
      400,
      'BadRequest',
      `the body of the request could not be decoded: ${(e as Error).message}`,
    );
  }
}

function parseJson(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new StatusError(
      400,
      'BadRequest',
      `the body of the request could not be decoded: ${(e as Error).message}`,
    );
  }
}
