import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Nothing in the repository may cite a file that is not in it: markdown links, repository paths
// (`docs/adr/…`, `k8s/…`, `apps/…`) and the bare names of the project's documents (`ARCHITECTURE.md`).

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const tracked = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
  cwd: repoRoot,
  encoding: 'utf8',
})
  .split('\0')
  .filter(Boolean);

/** Files in the repository (tracked, or new and not ignored), the folders that hold them, and what the build makes (generated, never committed). */
const present = new Set<string>();
for (const file of tracked) for (let p = file; p !== '.'; p = path.posix.dirname(p)) present.add(p);
const generated = [
  'apps/api/src/generated/',
  'bench/results/',
  '.epic/',
  'node_modules/',
  '.nx/',
  'bpf/.output/',
];
const exists = (p: string) =>
  present.has(p.replace(/\/$/, '')) || generated.some((g) => `${p}/`.startsWith(g));

// Copied verbatim from upstream: their own links point into the upstream repository.
const vendored = (file: string) => file.startsWith('k8s/gateway-api/');
const scanned = tracked.filter(
  (file) =>
    !vendored(file) &&
    file !== 'package-lock.json' &&
    file !== 'tests/citations.test.ts' && // its own examples cite missing files on purpose
    !file.includes('/testdata/') &&
    /\.(md|ts|tsx|mjs|cjs|js|json|ya?ml|sql|prisma|c|h|sh|txt)$|^\.ci\//.test(file),
);

const roots = ['docs', 'k8s', 'scripts', 'apps', 'packages', 'prisma', 'bench', 'bpf', 'e2e', 'tests', '.ci'];
const repoPath = new RegExp(
  `(?<![\\w@/.$<-])((?:${roots.map((r) => r.replace('.', '\\.')).join('|')})/[\\w./-]*[\\w/])`,
  'g',
);
const docName = /(?<![\w/.-])([A-Z][A-Z0-9-]+\.md)\b/g;
const mdLink = /\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;

interface Citation {
  file: string;
  line: number;
  cited: string;
}

function citations(file: string, text: string): Citation[] {
  const out: Citation[] = [];
  const dir = path.posix.dirname(file);
  text.split('\n').forEach((line, i) => {
    const add = (cited: string) => out.push({ file, line: i + 1, cited });
    for (const m of line.matchAll(repoPath)) {
      const target = m[1]!.replace(/\.$/, '');
      if (/[*<{]/.test(line[m.index + m[0].length] ?? '')) continue; // a pattern: `apps/*/src`, `<ts>_NAME`
      // A file (`docs/adr/0002-….md`), a folder written as one (`k8s/base/`), or any path under docs/ and k8s/;
      // not words that merely start like a folder (`apps/v1`, `prisma/config`).
      if (!/\.\w+$|\/$|^(docs|k8s)\//.test(target)) continue;
      if (!exists(target) && !exists(path.posix.join(dir, target))) add(target);
    }
    for (const [, name] of line.matchAll(docName))
      if (![name!, `docs/${name}`, path.posix.join(dir, name!)].some(exists)) add(name!);
    if (/(^|[^\w])(\.\.\/)+shared\/|\/work\/shared\b/.test(line)) add(line.trim());
    if (file.endsWith('.md'))
      for (const [, raw] of line.matchAll(mdLink)) {
        const target = decodeURIComponent(raw!.split('#')[0]!);
        if (!target || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // an anchor or a URL
        const p = path.posix.normalize(
          target.startsWith('/') ? target.slice(1) : path.posix.join(dir, target),
        );
        if (!exists(p)) add(target);
      }
  });
  return out;
}

describe('citations', () => {
  it('every file, folder and document the repository cites is in the repository', () => {
    const missing = scanned.flatMap((file) =>
      citations(file, readFileSync(path.join(repoRoot, file), 'utf8')),
    );
    expect(missing.map((m) => `${m.file}:${m.line}: ${m.cited}`)).toEqual([]);
  });

  it('finds what it is meant to find', () => {
    const cite = (text: string, file = 'docs/adr/0001-x.md') => citations(file, text).map((c) => c.cited);
    expect(cite('as ARCHITECTURE.md §2 says')).toEqual([]); // docs/ARCHITECTURE.md exists
    expect(cite('see NOWHERE.md')).toEqual(['NOWHERE.md']);
    expect(cite('see docs/adr/9999-missing.md.')).toEqual(['docs/adr/9999-missing.md']);
    expect(cite('[ADR](0002-prisma-offline.md) and [gone](../gone.md#x)')).toEqual(['../gone.md']);
    expect(cite('[site](https://example.com/x.md) [here](#top)')).toEqual([]);
    expect(cite("const dir = '../shared/gateway-api';", 'packages/x/src/a.ts')).toHaveLength(1);
    expect(cite('apps/*/src/**/*.ts and prisma/migrations/<ts>_NAME')).toEqual([]);
  });
});
