import { describe, expect, it } from 'vitest';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { StatusError } from './status.js';

const obj = (labels: Record<string, string>, name = 'a', namespace = 'ns') => ({
  metadata: { name, namespace, labels },
});

describe('label selectors', () => {
  it('matches everything when empty', () => {
    expect(parseLabelSelector('')(obj({}))).toBe(true);
  });

  it('supports set-based requirements with spaces inside parentheses', () => {
    const sel = parseLabelSelector('env in ( prod , staging ),tier notin (db)');
    expect(sel(obj({ env: 'prod', tier: 'web' }))).toBe(true);
    expect(sel(obj({ env: 'prod', tier: 'db' }))).toBe(false);
    expect(sel(obj({ env: 'dev' }))).toBe(false);
  });

  it('treats notin and != as matching objects without the label', () => {
    expect(parseLabelSelector('tier notin (db)')(obj({}))).toBe(true);
    expect(parseLabelSelector('tier!=db')(obj({}))).toBe(true);
  });

  it('supports gt and lt on numeric label values', () => {
    expect(parseLabelSelector('rank>2')(obj({ rank: '3' }))).toBe(true);
    expect(parseLabelSelector('rank<2')(obj({ rank: '3' }))).toBe(false);
  });

  it('refuses a malformed requirement with 400', () => {
    expect(() => parseLabelSelector('a in b')).toThrowError(StatusError);
  });
});

describe('field selectors', () => {
  it('matches metadata.name and metadata.namespace with =, == and !=', () => {
    const labels = ['metadata.name', 'metadata.namespace'];
    expect(parseFieldSelector('metadata.name=a', labels)(obj({}))).toBe(true);
    expect(parseFieldSelector('metadata.name==b', labels)(obj({}))).toBe(false);
    expect(parseFieldSelector('metadata.namespace!=ns', labels)(obj({}))).toBe(false);
  });

  it('refuses labels the resource does not support', () => {
    try {
      parseFieldSelector('spec.x=1', ['metadata.name']);
      expect.unreachable();
    } catch (e) {
      expect((e as StatusError).code).toBe(400);
      expect((e as StatusError).message).toBe('field label not supported: spec.x');
    }
  });
});
