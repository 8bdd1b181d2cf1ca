import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A child process in a namespace whose stdout is read as lines (JSON events, driver replies). */
export class LineProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  private waiters: Array<() => void> = [];
  private exited = false;
  stderr = '';

  constructor(argv: string[], cwd: string) {
    this.child = spawn(argv[0] as string, argv.slice(1), { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout! }).on('line', (l) => {
      this.lines.push(l);
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.child.on('exit', () => {
      this.exited = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Waits for a line (from `from` on) satisfying `pred`; returns it. */
  async waitLine(pred: (line: string) => boolean, timeoutMs = 20000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.slice(from).find(pred);
      if (hit !== undefined) return hit;
      if (this.exited) throw new Error(`process exited; stderr: ${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting; last lines: ${this.lines.slice(-5).join(' | ')}; stderr: ${this.stderr}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends a JSON command and returns the next line as JSON (for driver.ts). */
  async call<T = Record<string, unknown>>(cmd: unknown, timeoutMs = 60000): Promise<T> {
    const from = this.lines.length;
    this.child.stdin!.write(JSON.stringify(cmd) + '\n');
    return JSON.parse(await this.waitLine(() => true, timeoutMs, from)) as T;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await done;
    clearTimeout(timer);
  }
}
