import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseJsonOnly } from './json.js';

describe('parseJsonOnly (the JSON fast path of apply patches)', () => {
  it('gives what the YAML parser gives for a JSON body', () => {
    const text = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', labels: { 'x/y': 'z' } },
      data: { 'k"ey': 'va:lue "with" \\ escapes', n: '1' },
      list: [{ a: 1, b: [true, null, 2.5] }, []],
    });
    expect(parseJsonOnly(text)).toEqual(parseYaml(text));
    expect(parseJsonOnly(`  \n${JSON.stringify({ a: { b: 1 } }, null, 2)}`)).toEqual({ a: { b: 1 } });
  });

  it('leaves YAML, and JSON naming a key twice in one object, to the YAML parser', () => {
    expect(parseJsonOnly('apiVersion: v1\nkind: ConfigMap\n')).toBeUndefined();
    expect(parseJsonOnly('{"a": 1,}')).toBeUndefined();
    expect(parseJsonOnly('"text"')).toBeUndefined();
    expect(parseJsonOnly('{"a": 1, "a": 2}')).toBeUndefined();
    expect(parseJsonOnly('{"m": {"b": 1, "b" : 2}, "c": "\\"b\\": 3"}')).toBeUndefined();
    expect(() => parseYaml('{"a": 1, "a": 2}')).toThrow(/unique/i);
    // The same key in two different objects is not a duplicate.
    expect(parseJsonOnly('[{"a": 1}, {"a": 2}]')).toEqual([{ a: 1 }, { a: 2 }]);
  });
});
