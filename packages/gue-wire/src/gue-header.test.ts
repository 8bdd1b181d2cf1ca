import { describe, expect, it } from 'vitest';
import { decodeGueHeader, encodeGueHeader, gueDataHeader, gueKeepAliveHeader } from './gue-header.js';
import { fromHex, toHex } from './bytes.js';

describe('GUE header', () => {
  it('encodes a data header as variant 0, Hlen 1, proto 4, tunnel id as private data', () => {
    expect(toHex(gueDataHeader(42))).toBe('010400000000002a');
  });

  it('encodes a keep-alive header with C=1 and control type 128', () => {
    expect(toHex(gueKeepAliveHeader(0xdeadbeef))).toBe('21800000deadbeef');
  });

  it('decodes what it encodes', () => {
    const h = { control: false, protoOrCtype: 4, flags: 0, tunnelId: 123456 };
    expect(decodeGueHeader(encodeGueHeader(h))).toEqual({ ok: true, value: h });
  });

  it.each([
    ['truncated', '01040000000000'],
    ['version', '410400000000002a'],
    ['hlen', '020400000000002a'],
    ['flags', '010480000000002a'],
  ])('rejects a header with a bad %s', (reason, hex) => {
    expect(decodeGueHeader(fromHex(hex))).toEqual({ ok: false, reason });
  });

  it('refuses tunnel ids that do not fit 32 bits', () => {
    expect(() => gueDataHeader(2 ** 32)).toThrow(/out of range/);
  });
});
