import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from './secret.js';

describe('Secret', () => {
  const key = new Secret('-----BEGIN PRIVATE KEY-----');

  it('prints as [redacted] in strings, JSON and inspection', () => {
    expect(`${key}`).toBe('[redacted]');
    expect(JSON.stringify({ privateKey: key })).toBe('{"privateKey":"[redacted]"}');
    expect(inspect({ privateKey: key })).toBe('{ privateKey: [redacted] }');
  });

  it('reveals its value only when asked', () => {
    expect(key.reveal()).toBe('-----BEGIN PRIVATE KEY-----');
  });
});
