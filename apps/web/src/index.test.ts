import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { webRoot } from './index.js';

// The project's globalSetup (scripts/build-web.mjs) builds dist when it is missing or stale.
describe('web', () => {
  it('webRoot holds the page the API serves at /', () => {
    const index = fileURLToPath(new URL('index.html', webRoot));
    expect(existsSync(index)).toBe(true);
    expect(readFileSync(index, 'utf8')).toMatch(/<html/i);
  });

  it('the first page loads under 300 KB of gzipped JavaScript and the pages are separate chunks', () => {
    const index = readFileSync(fileURLToPath(new URL('index.html', webRoot)), 'utf8');
    const entry = [...index.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(entry.length).toBeGreaterThan(0);
    const gz = entry.reduce(
      (n, f) => n + gzipSync(readFileSync(fileURLToPath(new URL(f, webRoot)))).length,
      0,
    );
    expect(gz).toBeLessThan(300 * 1024);
    const chunks = readdirSync(fileURLToPath(new URL('assets/', webRoot))).filter((f) => f.endsWith('.js'));
    expect(chunks.some((f) => f.startsWith('gateway-detail-'))).toBe(true);
    expect(entry.some((f) => f.includes('gateway-detail-'))).toBe(false);
  });

  it("is a production build: React's production code, not its development build", () => {
    // This test runs under NODE_ENV=test, which the build must not inherit (React's development build is
    // twice the size and several times slower).
    const index = readFileSync(fileURLToPath(new URL('index.html', webRoot)), 'utf8');
    const code = [...index.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)]
      .map((m) => readFileSync(fileURLToPath(new URL(m[1]!, webRoot)), 'utf8'))
      .join('\n');
    expect(code.includes('Minified React error'), "React's production build").toBe(true);
    expect(code.includes('cannot be a child of'), "React's development warnings").toBe(false);
  });
});
