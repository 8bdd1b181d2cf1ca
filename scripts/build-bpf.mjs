#!/usr/bin/env node
// Builds the GUE TC programs (bpf/ -> bpf/.output/) with make. The tests and the agent need the objects,
// so a machine without the toolchain is an error, not a skip: .ci/run installs it from .ci/apt-packages.txt.
import { spawnSync } from 'node:child_process';

for (const tool of ['clang', 'make', 'cc']) {
  const r = spawnSync(tool, ['--version'], { stdio: 'ignore' });
  if (r.error || r.status !== 0) {
    console.error(
      `build-bpf: '${tool}' is missing; install the packages in .ci/apt-packages.txt (clang, llvm, libbpf-dev, make)`,
    );
    process.exit(1);
  }
}
const r = spawnSync('make', ['-C', 'bpf', '--no-print-directory'], { stdio: 'inherit' });
if (r.status !== 0) {
  console.error('build-bpf: make -C bpf failed');
  process.exit(r.status ?? 1);
}
