// The processes of `npm start` (scripts/start.mjs; the local cluster's test starts them the same way): the
// control plane, and — unless LOCAL_CLUSTER=false — the local workload cluster with the controller attached,
// whose kubeconfig is written to <EPIC_DATA_DIR>/workload-cluster/kubeconfig. When one exits the other is
// stopped.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function localClusterFiles(env = process.env) {
  const dir = path.resolve(repo, env.EPIC_DATA_DIR ?? '.epic', 'workload-cluster');
  return { keyFile: path.join(dir, 'api-key'), kubeconfig: path.join(dir, 'kubeconfig') };
}

/** Spawns the children with `stdio`; resolves `exited` with the first exit code (then the rest are stopped). */
export function startChildren(env = process.env, stdio = 'inherit') {
  const local = env.LOCAL_CLUSTER !== 'false';
  const files = localClusterFiles(env);
  const host = !env.HOST || env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  const apiUrl = `http://${host.includes(':') ? `[${host}]` : host}:${env.PORT ?? 8080}`;
  const children = [
    spawn(process.execPath, ['--import', 'tsx', 'apps/api/src/main.ts'], {
      cwd: repo,
      stdio,
      env: local ? { ...env, LOCAL_CLUSTER_KEY_FILE: files.keyFile } : env,
    }),
  ];
  if (local)
    children.push(
      spawn(process.execPath, ['--import', 'tsx', 'apps/agent/src/local-cluster/main.ts'], {
        cwd: repo,
        stdio,
        env: {
          ...env,
          EPIC_API_URL: apiUrl,
          LOCAL_CLUSTER_KEY_FILE: files.keyFile,
          LOCAL_CLUSTER_KUBECONFIG: files.kubeconfig,
        },
      }),
    );
  const exited = new Promise((resolve) => {
    let first = true;
    for (const c of children)
      c.on('exit', (code, signal) => {
        if (!first) return;
        first = false;
        for (const o of children) if (o !== c && o.exitCode === null) o.kill('SIGTERM');
        resolve({ code: code ?? (signal ? 1 : 0) });
      });
  });
  const all = new Promise((resolve) => {
    let left = children.length;
    for (const c of children) c.on('exit', () => --left === 0 && resolve(undefined));
  });
  return {
    children,
    files,
    apiUrl,
    exited,
    /** Resolves once every child has exited. */
    stopped: all,
    kill(sig = 'SIGTERM') {
      for (const c of children) if (c.exitCode === null) c.kill(sig);
    },
  };
}
