// Plain HTTPS requests to a test server, for asserting status codes, headers and Status bodies exactly.
import { request } from 'node:https';
import type { KubeTestServer } from '../server.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export function raw(
  server: Pick<KubeTestServer, 'url' | 'token' | 'caCertificate'>,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${path}`,
      {
        method,
        ca: server.caCertificate,
        headers: {
          Authorization: `Bearer ${server.token}`,
          // Node sends DELETE bodies unframed unless told their length.
          ...(payload !== undefined
            ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) }
            : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Opens a watch and collects its events until `stop()`; `ended` resolves when the server closes it. */
export function openWatch(
  server: Pick<KubeTestServer, 'url' | 'token' | 'caCertificate'>,
  path: string,
): {
  events: { type: string; object: Record<string, unknown> }[];
  ended: Promise<void>;
  stop(): void;
  status: Promise<number>;
} {
  const events: { type: string; object: Record<string, unknown> }[] = [];
  let stop = (): void => undefined;
  let setStatus: (n: number) => void = () => undefined;
  const status = new Promise<number>((r) => (setStatus = r));
  const ended = new Promise<void>((resolve) => {
    const req = request(
      `${server.url}${path}`,
      { ca: server.caCertificate, headers: { Authorization: `Bearer ${server.token}` } },
      (res) => {
        setStatus(res.statusCode ?? 0);
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString('utf8');
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            events.push(JSON.parse(buf.slice(0, nl)));
            buf = buf.slice(nl + 1);
          }
        });
        res.on('end', () => resolve());
        res.on('close', () => resolve());
      },
    );
    req.on('error', () => resolve());
    req.end();
    stop = () => req.destroy();
  });
  return { events, ended, stop: () => stop(), status };
}

export async function until(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
