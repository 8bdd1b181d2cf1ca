import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export class KubeError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    body: string,
  ) {
    super(`${method} ${path}: the EPIC cluster answered ${status}: ${body.slice(0, 300)}`);
  }
}

export const isNotFound = (e: unknown) => e instanceof KubeError && e.status === 404;

export interface KubeObjectRef {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; labels?: Record<string, string> };
}

/** Plurals of the kinds the provisioner writes and reads. */
const PLURALS: Record<string, string> = {
  Namespace: 'namespaces',
  ConfigMap: 'configmaps',
  ServiceAccount: 'serviceaccounts',
  Secret: 'secrets',
  Service: 'services',
  Pod: 'pods',
  Deployment: 'deployments',
  PodDisruptionBudget: 'poddisruptionbudgets',
  NetworkPolicy: 'networkpolicies',
  PodMonitor: 'podmonitors',
};

/** The collection path of a kind (in a namespace, or across all of them when namespace is undefined). */
export function collectionPath(apiVersion: string, kind: string, namespace?: string): string {
  const plural = PLURALS[kind];
  if (!plural) throw new Error(`no plural known for ${kind}`);
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${plural}`;
}

export const objectPath = (o: KubeObjectRef) =>
  `${collectionPath(o.apiVersion, o.kind, o.metadata.namespace)}/${encodeURIComponent(o.metadata.name)}`;

export const FIELD_MANAGER = 'epic';

/**
 * The requests the provisioner makes to the EPIC cluster, over the KubeConfig's credentials (a kubeconfig file or
 * the pod's in-cluster service account): server-side apply, list by label, delete, get.
 */
export class KubeClient {
  constructor(
    private readonly kc: KubeConfig,
    private readonly opts: { timeoutMs?: number; onRequest?: (method: string, path: string) => void } = {},
  ) {}

  /**
   * Keep-alive agents by TLS material. client-node's applyToHTTPSOptions makes a new agent per call, i.e. a TCP
   * connection and TLS handshake per request (a fleet's reconcile makes a dozen): its credentials are kept, the
   * connection is reused. Headers (a bearer token read anew, e.g. in-cluster) still come from each call.
   */
  private readonly agents = new Map<string, HttpAgent>();

  /** The agent of the previous call and its TLS material: most calls carry the same, compared without encoding. */
  private last: { https: boolean; tls: ReturnType<typeof tlsOf>; agent: HttpAgent } | undefined;

  private agentFor(o: RequestOptions, https: boolean): HttpAgent {
    const tls = tlsOf(o);
    const last = this.last;
    if (last && last.https === https && sameTls(last.tls, tls)) return last.agent;
    const agent = this.agentByKey(tls, https);
    this.last = { https, tls, agent };
    return agent;
  }

  private agentByKey(tls: ReturnType<typeof tlsOf>, https: boolean): HttpAgent {
    const id = `${https}\n${JSON.stringify(tls, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : v))}`;
    let agent = this.agents.get(id);
    if (!agent) {
      // Credentials rotate rarely; a few stale agents are dropped rather than kept forever.
      if (this.agents.size >= 8) this.close();
      const base = { keepAlive: true, maxSockets: 16 };
      agent = https ? new HttpsAgent({ ...base, ...stripUndefined(tls) }) : new HttpAgent(base);
      this.agents.set(id, agent);
    }
    return agent;
  }

  /** Closes the kept connections. */
  close(): void {
    this.last = undefined;
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }

  private async requestOptions(method: string, path: string, body?: string, contentType?: string) {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('the EPIC cluster kubeconfig has no current cluster');
    // A test hook may throw here: a crash between two requests.
    this.opts.onRequest?.(method, path);
    const url = new URL(path, cluster.server);
    const options: RequestOptions = {
      method,
      hostname: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      headers: {
        accept: 'application/json',
        ...(contentType ? { 'content-type': contentType } : {}),
        ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
      },
    };
    await this.kc.applyToHTTPSOptions(options);
    options.agent = this.agentFor(options, url.protocol === 'https:');
    return { options, https: url.protocol === 'https:' };
  }

  private async send(method: string, path: string, body?: string, contentType?: string): Promise<unknown> {
    return (await this.exchange(method, path, body, contentType)).body;
  }

  /** One request: the answer's status and parsed body; a status of 300 or more is a KubeError. */
  private async exchange(
    method: string,
    path: string,
    body?: string,
    contentType?: string,
  ): Promise<{ status: number; body: unknown }> {
    const { options, https } = await this.requestOptions(method, path, body, contentType);
    const doRequest = https ? httpsRequest : httpRequest;
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const req = doRequest(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 300) return reject(new KubeError(status, method, path, text));
          try {
            resolve({ status, body: text ? JSON.parse(text) : undefined });
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /**
   * A watch of a collection path (with its query: selectors, resourceVersion): each event as it arrives. Resolves
   * when the server ends the stream (a watch timeout), rejects when it fails; `signal` ends it from this side.
   * Idle for longer than `idleMs` (no event, no bookmark) counts as failed: a half-open connection is noticed.
   */
  async watch(
    path: string,
    onEvent: (e: { type: string; object: Record<string, unknown> }) => void,
    opts: { signal?: AbortSignal; idleMs?: number } = {},
  ): Promise<void> {
    const { options, https } = await this.requestOptions('GET', path);
    // A watch holds its connection for minutes: not one of the pooled keep-alive sockets.
    options.agent = https ? new HttpsAgent({ ...stripUndefined(tlsOf(options)) }) : new HttpAgent();
    const doRequest = https ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = doRequest(options, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            reject(new KubeError(status, 'GET', path, Buffer.concat(chunks).toString('utf8'))),
          );
          return;
        }
        let partial = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          const lines = (partial + d).split('\n');
          partial = lines.pop()!;
          for (const line of lines) {
            if (!line.trim()) continue;
            try {
              onEvent(JSON.parse(line) as { type: string; object: Record<string, unknown> });
            } catch (e) {
              req.destroy(e instanceof Error ? e : new Error(String(e)));
              return;
            }
          }
        });
        res.on('end', () => resolve());
        res.on('error', reject);
      });
      req.setTimeout(opts.idleMs ?? 5 * 60_000, () =>
        req.destroy(new Error(`GET ${path}: the watch was idle too long`)),
      );
      req.on('error', (e) => (opts.signal?.aborted ? resolve() : reject(e)));
      opts.signal?.addEventListener('abort', () => req.destroy(), { once: true });
      req.end();
    });
  }

  /** Server-side apply with the field manager `epic`, forcing conflicts (EPIC owns these objects). */
  async apply<T extends KubeObjectRef>(o: KubeObjectRef): Promise<T> {
    return (await this.applyReporting<T>(o)).object;
  }

  /** Server-side apply, saying whether the object was created by it (201) rather than updated. */
  async applyReporting<T extends KubeObjectRef>(o: KubeObjectRef): Promise<{ object: T; created: boolean }> {
    const r = await this.exchange(
      'PATCH',
      `${objectPath(o)}?fieldManager=${FIELD_MANAGER}&force=true`,
      JSON.stringify(o),
      'application/apply-patch+yaml',
    );
    return { object: r.body as T, created: r.status === 201 };
  }

  async get<T>(path: string): Promise<T | undefined> {
    try {
      return (await this.send('GET', path)) as T;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async list<T>(apiVersion: string, kind: string, labelSelector: string, namespace?: string): Promise<T[]> {
    const r = (await this.send(
      'GET',
      `${collectionPath(apiVersion, kind, namespace)}?labelSelector=${encodeURIComponent(labelSelector)}`,
    )) as { items?: T[] };
    return r.items ?? [];
  }

  /** A list across namespaces with the collection's resourceVersion (where a watch starts). */
  async listWithVersion<T>(
    apiVersion: string,
    kind: string,
    labelSelector: string,
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const r = (await this.send(
      'GET',
      `${collectionPath(apiVersion, kind)}?labelSelector=${encodeURIComponent(labelSelector)}`,
    )) as { items?: T[]; metadata?: { resourceVersion?: string } };
    return { items: r.items ?? [], resourceVersion: r.metadata?.resourceVersion ?? '' };
  }

  /** Deletes (background propagation: the garbage collector takes dependents); a missing object is fine. */
  async delete(path: string): Promise<void> {
    try {
      await this.send(
        'DELETE',
        path,
        JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' }),
        'application/json',
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

function tlsOf(o: RequestOptions) {
  return {
    ca: o.ca,
    cert: o.cert,
    key: o.key,
    pfx: o.pfx,
    passphrase: o.passphrase,
    servername: o.servername,
    rejectUnauthorized: o.rejectUnauthorized,
  };
}

function sameTls(a: ReturnType<typeof tlsOf>, b: ReturnType<typeof tlsOf>): boolean {
  return (Object.keys(a) as (keyof typeof a)[]).every((k) => {
    const x: unknown = a[k];
    const y: unknown = b[k];
    if (x === y) return true;
    return Buffer.isBuffer(x) && Buffer.isBuffer(y) && x.equals(y);
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
