import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

export class KubeError extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`Kubernetes API answered ${status}: ${body.slice(0, 300)}`);
  }
  /** The name client-node's ListWatch reads (a 410 there means relist). */
  get statusCode(): number {
    return this.status;
  }
}

export const isConflict = (e: unknown) => e instanceof KubeError && e.status === 409;
export const isNotFound = (e: unknown) => e instanceof KubeError && e.status === 404;

export type PatchType = 'merge' | 'json' | 'apply';
const CONTENT: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  // Server-side apply (JSON is YAML); the path carries fieldManager. Only the local cluster's set-up uses it.
  apply: 'application/apply-patch+yaml',
};

/**
 * The writes the controller makes (finalizer and status patches, Secret reads), over the KubeConfig's
 * credentials: a thin client whose every request is one the RBAC role names.
 */
export class KubeClient {
  private readonly timeoutMs: number;
  private readonly onRequest: ((method: string, path: string) => void) | undefined;
  /**
   * Kept-alive connections: without them every request (a burst of 1,000 routes is 2,000 finalizer and
   * status patches) paid a TCP and TLS handshake with the client certificate. A rotated certificate or CA
   * gives different TLS options, hence a new connection (the agent keys its sockets by them).
   */
  private readonly agents = {
    https: new HttpsAgent({ keepAlive: true, maxSockets: 32 }),
    http: new HttpAgent({ keepAlive: true, maxSockets: 32 }),
  };

  constructor(
    private readonly kc: KubeConfig,
    opts: { timeoutMs?: number; onRequest?: (method: string, path: string) => void } = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.onRequest = opts.onRequest;
  }

  /** Closes the kept-alive connections (the controller stopped). */
  close(): void {
    this.agents.https.destroy();
    this.agents.http.destroy();
  }

  private async send(method: string, path: string, body?: unknown, contentType?: string): Promise<unknown> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    const url = new URL(path, cluster.server);
    this.onRequest?.(method, path);
    const opts: RequestOptions = {
      method,
      hostname: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      headers: { accept: 'application/json', ...(contentType ? { 'content-type': contentType } : {}) },
    };
    await this.kc.applyToHTTPSOptions(opts);
    const https = url.protocol === 'https:';
    opts.agent = https ? this.agents.https : this.agents.http;
    const doRequest = https ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = doRequest(opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 300) return reject(new KubeError(status, text));
          try {
            resolve(text ? JSON.parse(text) : undefined);
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
      });
      // A request that hangs (a stalled connection) fails rather than blocking the reconcile forever.
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      if (body !== undefined) req.end(JSON.stringify(body));
      else req.end();
    });
  }

  get(path: string): Promise<unknown> {
    return this.send('GET', path);
  }
  patch(path: string, body: unknown, type: PatchType = 'merge'): Promise<unknown> {
    return this.send('PATCH', path, body, CONTENT[type]);
  }
  post(path: string, body: unknown): Promise<unknown> {
    return this.send('POST', path, body, 'application/json');
  }
  put(path: string, body: unknown): Promise<unknown> {
    return this.send('PUT', path, body, 'application/json');
  }
}
