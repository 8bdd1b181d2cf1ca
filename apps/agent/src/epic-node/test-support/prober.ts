// A TCP prober and a TCP listener that run inside a namespace as plain `node -e` scripts.
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import type { Lab } from './netns.js';

// Reads `host port timeoutMs` lines, answers `open` (connected), `refused` or `timeout` per line.
const PROBER = `
const net = require('node:net');
require('node:readline').createInterface({ input: process.stdin }).on('line', (l) => {
  const [host, port, ms] = l.split(' ');
  const s = net.connect({ host, port: Number(port) });
  const done = (r) => { s.destroy(); clearTimeout(t); process.stdout.write(r + '\\n'); };
  const t = setTimeout(() => done('timeout'), Number(ms));
  s.once('connect', () => done('open'));
  s.once('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'error:' + e.code));
});
process.stdout.write('ready\\n');
`;

// Accepts on every port given and closes each connection at once.
const LISTENER = `
const net = require('node:net');
const ports = process.argv.slice(1).map(Number);
let n = 0;
for (const p of ports) net.createServer((c) => c.end()).listen(p, '0.0.0.0', () => { if (++n === ports.length) process.stdout.write('ready\\n'); });
`;

export type ProbeResult = 'open' | 'refused' | 'timeout' | string;

function firstLine(child: ChildProcess & { output: () => string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ready line: ${child.output()}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
}

export async function startListener(lab: Lab, ns: string, ports: number[]): Promise<void> {
  const child = lab.spawn(ns, process.execPath, ['-e', LISTENER, ...ports.map(String)]);
  await firstLine(child);
}

export class Prober {
  private readonly waiting: Array<(r: string) => void> = [];
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      if (l !== 'ready') this.waiting.shift()?.(l);
    });
  }

  static async start(lab: Lab, ns: string): Promise<Prober> {
    const child = lab.spawn(ns, process.execPath, ['-e', PROBER]);
    const p = new Prober(child);
    await firstLine(child);
    return p;
  }

  /** One TCP connect attempt; `timeout` is how a dropped SYN shows (pass a short timeout when expecting it). */
  probe(host: string, port: number, timeoutMs = 2_000): Promise<ProbeResult> {
    const run = () =>
      new Promise<string>((resolve) => {
        this.waiting.push(resolve);
        this.child.stdin!.write(`${host} ${port} ${timeoutMs}\n`);
      });
    const next = this.queue.then(run, run);
    this.queue = next;
    return next;
  }
}
