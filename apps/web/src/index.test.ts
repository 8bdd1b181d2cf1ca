import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { webRoot } from './index.js';

describe('web', () => {
  it('webRoot holds the page the API serves at /', () => {
    const index = fileURLToPath(new URL('index.html', webRoot));
    expect(existsSync(index)).toBe(true);
    expect(readFileSync(index, 'utf8')).toMatch(/<html/i);
  });
});
