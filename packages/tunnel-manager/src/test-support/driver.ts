// A long-lived client inside a namespace, driven by JSON lines on stdin (one reply line per command).
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

type Cmd =
  | { op: 'get'; url: string; timeoutMs?: number; localAddress?: string }
  | { op: 'open'; host: string; port: number; localAddress?: string }
  | { op: 'echo'; text: string; timeoutMs?: number }
  | { op: 'udp-listen'; port: number }
  | { op: 'udp-received' }
  | { op: 'udp-send'; bind: string; to: string; port: number; hex: string }
  | { op: 'rr'; host: string; port: number; localAddress?: string; count: number }
  | { op: 'cps'; host: string; port: number; localAddress?: string; seconds: number; concurrency: number };

let held: Socket | undefined;
let heldClosed = false;
let heldData = '';
const received: string[] = [];

function get(c: Extract<Cmd, { op: 'get' }>): Promise<unknown> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    // Covers connecting as well (request.setTimeout only starts once the socket is connected).
    const timer = setTimeout(() => req.destroy(new Error('timeout')), c.timeoutMs ?? 10000);
    const done = (r: unknown): void => {
      clearTimeout(timer);
      resolve(r);
    };
    const req = request(c.url, { localAddress: c.localAddress, agent: false }, (res) => {
      const h = createHash('sha256');
      let bytes = 0;
      let body = '';
      res.on('data', (d: Buffer) => {
        h.update(d);
        bytes += d.length;
        if (body.length < 200) body += d.toString('latin1').slice(0, 200);
      });
      res.on('end', () =>
        done({
          ok: true,
          status: res.statusCode,
          bytes,
          sha256: h.digest('hex'),
          body,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        }),
      );
      res.on('error', (e) => done({ ok: false, error: e.message }));
    });
    req.on('error', (e) => done({ ok: false, error: e.message }));
    req.end();
  });
}

/** Request/response latency: 1-byte ping-pong on one TCP connection; percentiles in microseconds. */
async function rr(c: Extract<Cmd, { op: 'rr' }>): Promise<unknown> {
  const s = connect({ host: c.host, port: c.port, localAddress: c.localAddress });
  s.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('error', reject);
  });
  const samples: number[] = [];
  for (let i = 0; i < c.count; i++) {
    const t0 = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      s.once('data', () => resolve());
      s.write('x');
    });
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  s.destroy();
  samples.sort((a, b) => a - b);
  const pct = (p: number): number =>
    samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))] ?? 0;
  return { ok: true, p50: pct(50), p90: pct(90), p99: pct(99) };
}

/** New TCP connections per second (connect, then close) with `concurrency` loops. */
async function cps(c: Extract<Cmd, { op: 'cps' }>): Promise<unknown> {
  const until = Date.now() + c.seconds * 1000;
  let n = 0;
  let errors = 0;
  const loop = async (): Promise<void> => {
    while (Date.now() < until) {
      await new Promise<void>((resolve) => {
        const s = connect({ host: c.host, port: c.port, localAddress: c.localAddress }, () => {
          n++;
          s.destroy();
          resolve();
        });
        s.on('error', () => {
          errors++;
          resolve();
        });
      });
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: c.concurrency }, loop));
  return { ok: true, perSecond: n / ((Date.now() - started) / 1000), errors };
}

async function handle(c: Cmd): Promise<unknown> {
  switch (c.op) {
    case 'get':
      return get(c);
    case 'open':
      return new Promise((resolve) => {
        const s = connect({ host: c.host, port: c.port, localAddress: c.localAddress }, () =>
          resolve({ ok: true, localPort: s.localPort }),
        );
        s.setNoDelay(true);
        s.on('data', (d) => (heldData += d.toString()));
        s.on('close', () => (heldClosed = true));
        s.on('error', (e) => resolve({ ok: false, error: e.message }));
        held = s;
        heldClosed = false;
      });
    case 'echo': {
      const s = held;
      if (!s || heldClosed) return { ok: false, error: 'connection closed' };
      heldData = '';
      s.write(c.text + '\n');
      const deadline = Date.now() + (c.timeoutMs ?? 10000);
      while (!heldData.includes('\n') && Date.now() < deadline && !heldClosed)
        await new Promise((r) => setTimeout(r, 5));
      return heldData === c.text + '\n'
        ? { ok: true }
        : { ok: false, error: heldClosed ? 'closed' : `got ${JSON.stringify(heldData)}` };
    }
    case 'udp-listen':
      return new Promise((resolve) => {
        const s = createSocket('udp4');
        s.on('message', (m) => received.push(m.toString()));
        s.bind(c.port, () => resolve({ ok: true }));
      });
    case 'rr':
      return rr(c);
    case 'cps':
      return cps(c);
    case 'udp-received':
      return { ok: true, received };
    case 'udp-send':
      return new Promise((resolve) => {
        const s = createSocket('udp4');
        s.bind(0, c.bind, () =>
          s.send(Buffer.from(c.hex, 'hex'), c.port, c.to, (err) => {
            s.close();
            resolve(err ? { ok: false, error: err.message } : { ok: true });
          }),
        );
      });
  }
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  void handle(JSON.parse(line) as Cmd).then((r) => process.stdout.write(JSON.stringify(r) + '\n'));
});
rl.on('close', () => process.exit(0));
process.stdout.write(JSON.stringify({ ok: true, ready: true }) + '\n');
