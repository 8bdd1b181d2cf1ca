import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { NodeDesiredState, NodeRecord, NodeRegistration, ProxyReport } from './contract.js';

/** The EPIC node agent's calls to the API (contract.ts), with the node credential of one node. */
export interface NodeApi {
  desired(): Promise<NodeDesiredState>;
  report(p: ProxyReport): Promise<void>;
  /** report() then desired() in one round trip (POST /epic-nodes/{name}/sync). */
  sync(p: ProxyReport): Promise<NodeDesiredState>;
  register(r: NodeRegistration): Promise<NodeRecord>;
}

/**
 * The API refused the call (a 4xx): retrying the same request will not help. `code` is the API's error code
 * (Forbidden, Validation, NotFound, …), `issues` the fields it named.
 */
export class NodeApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    readonly issues: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
    this.name = 'NodeApiError';
  }
}

/** The API could not be reached, timed out, or answered 5xx/429: the caller retries with backoff. */
export class NodeApiUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodeApiUnavailableError';
  }
}

export interface NodeApiClientOptions {
  /** The API's base URL, e.g. `https://epic.example.com` (the client adds `/api/v1`). */
  apiUrl: string;
  /** This node's name: the only one its credential acts for. */
  node: string;
  /** The node credential (`epicnode_…`) a platform admin received when creating the node. */
  token: string;
  /** PEM roots that verify the API's certificate (verification is never switched off). */
  caBundle?: string;
  /** Whole-call deadline, connection to last byte (default 10 s). */
  timeoutMs?: number;
}

export function createNodeApiClient(opts: NodeApiClientOptions): NodeApi {
  const base = new URL(opts.apiUrl.endsWith('/') ? opts.apiUrl : `${opts.apiUrl}/`);
  const nodePath = `epic-nodes/${encodeURIComponent(opts.node)}`;
  const timeoutMs = opts.timeoutMs ?? 10_000;

  function call<T>(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<T> {
    const url = new URL(`api/v1/${path}`, base);
    const what = `${method} ${url.pathname}`;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      // One deadline for the whole exchange: a server that accepts and then stalls mid-answer is cut off too.
      const timer = setTimeout(
        () => req.destroy(new NodeApiUnavailableError(`${what}: no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const fail = (e: Error) => {
        clearTimeout(timer);
        reject(e);
      };
      const req = send(
        url,
        {
          method,
          headers: {
            authorization: `Bearer ${opts.token}`,
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
          ...(opts.caBundle ? { ca: opts.caBundle } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => fail(new NodeApiUnavailableError(`${what}: ${e.message}`)));
          res.on('end', () => {
            clearTimeout(timer);
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            if (status >= 200 && status < 300) {
              if (status !== 204 && parsed === undefined)
                return reject(new NodeApiUnavailableError(`${what}: answered ${status} without a JSON body`));
              return resolve(parsed as T);
            }
            const err = (parsed ?? {}) as {
              error?: string;
              message?: string;
              issues?: Array<{ path: string; message: string }>;
            };
            const message = `${what}: ${status} ${err.error ?? ''} ${err.message ?? text.slice(0, 200)}`
              .replace(/\s+/g, ' ')
              .trim();
            if (status >= 500 || status === 429) return reject(new NodeApiUnavailableError(message));
            reject(new NodeApiError(status, err.error, message, err.issues ?? []));
          });
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e instanceof NodeApiUnavailableError) return fail(e);
        // A certificate that does not verify is a wrong caBundle or apiUrl: retrying will not fix it.
        if (/CERT|SIGNATURE|ALTNAME|SELF_SIGNED/.test(e.code ?? ''))
          return fail(
            new NodeApiError(0, 'TLS', `${what}: TLS verification of ${url.host} failed: ${e.message}`),
          );
        fail(new NodeApiUnavailableError(`${what}: ${url.host}: ${e.message}`));
      });
      req.end(payload);
    });
  }

  return {
    desired: () => call<NodeDesiredState>('GET', `${nodePath}/desired`),
    report: async (p) => {
      await call<undefined>('PUT', `${nodePath}/proxies`, p);
    },
    sync: (p) => call<NodeDesiredState>('POST', `${nodePath}/sync`, p),
    register: (r) => call<NodeRecord>('PUT', nodePath, r),
  };
}
