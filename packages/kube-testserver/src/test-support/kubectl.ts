// Runs /usr/bin/kubectl against a test server asynchronously (the server lives in the test's own event loop,
// so a synchronous spawn would deadlock), with a private HOME and discovery cache.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeTestServer } from '../server.js';

export const KUBECTL = '/usr/bin/kubectl';

/** The upstream Gateway API CRDs and examples, vendored under k8s/gateway-api (see its README). */
export const gatewayApiDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../k8s/gateway-api');

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Kubectl {
  private readonly home = mkdtempSync(join(tmpdir(), 'kubectl-home-'));

  constructor(private readonly server: KubeTestServer) {
    if (!server.kubeconfigPath) server.writeKubeconfig(join(this.home, 'kubeconfig'));
  }

  /** Runs kubectl; `timeoutMs` kills long-running commands (`get -w`) and still returns their output. */
  run(args: string[], input?: string, timeoutMs = 60_000): Promise<KubectlResult> {
    const kubeconfig = this.server.kubeconfigPath ?? join(this.home, 'kubeconfig');
    return new Promise((resolvePromise) => {
      const child = execFile(
        KUBECTL,
        ['--kubeconfig', kubeconfig, '--cache-dir', join(this.home, 'cache'), ...args],
        {
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.home },
          maxBuffer: 64 * 1024 * 1024,
          timeout: timeoutMs,
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolvePromise({ code, stdout, stderr });
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  /** Starts a long-running kubectl (`get -w`); its output accumulates until `stop()`. */
  start(args: string[]): { output: () => string; stop: () => void } {
    const kubeconfig = this.server.kubeconfigPath ?? join(this.home, 'kubeconfig');
    let out = '';
    const child = execFile(
      KUBECTL,
      ['--kubeconfig', kubeconfig, '--cache-dir', join(this.home, 'cache'), ...args],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.home },
      },
    );
    child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', () => undefined);
    return { output: () => out, stop: () => void child.kill('SIGKILL') };
  }

  cleanup(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}
