import { spawn } from 'node:child_process';

/** Runs a command (inside `netns` when given), feeding `input` on stdin; resolves stdout, rejects with stderr. */
export type Exec = (cmd: string, args: readonly string[], input?: string) => Promise<string>;

export function execIn(netns?: string): Exec {
  return (cmd, args, input) => {
    const [file, argv] = netns ? ['ip', ['netns', 'exec', netns, cmd, ...args]] : [cmd, [...args]];
    return new Promise((resolve, reject) => {
      const child = spawn(file, argv, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) resolve(out);
        else reject(new Error(`${file} ${argv.join(' ')}: exit ${code}: ${err.trim()}`));
      });
      if (input !== undefined) {
        // A command that exits before reading its input must not crash the agent.
        child.stdin!.on('error', () => undefined);
        child.stdin!.end(input);
      }
    });
  };
}
