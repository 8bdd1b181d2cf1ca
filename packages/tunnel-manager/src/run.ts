import { execFile } from 'node:child_process';

/** Runs a command (optionally inside a network namespace) and returns its stdout; throws with stderr. */
export type Runner = (
  cmd: string,
  args: readonly string[],
  opts?: { env?: Record<string, string> },
) => Promise<string>;

export function runner(netns?: string): Runner {
  return (cmd, args, opts) => {
    const [file, argv] = netns ? ['ip', ['netns', 'exec', netns, cmd, ...args]] : [cmd, [...args]];
    return new Promise((resolve, reject) => {
      execFile(
        file,
        argv,
        { env: { ...process.env, ...opts?.env }, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err) reject(new Error(`${file} ${argv.join(' ')}: ${stderr.trim() || err.message}`));
          else resolve(stdout);
        },
      );
    });
  };
}
