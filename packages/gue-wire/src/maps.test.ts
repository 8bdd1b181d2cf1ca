import { describe, expect, it } from 'vitest';
import {
  decodeServiceKey,
  decodeTunnelValue,
  encodeCounterKey,
  encodeServiceKey,
  encodeTunnelKey,
  encodeTunnelValue,
  sumPerCpu,
} from './maps.js';
import { toHex } from './bytes.js';

describe('map layouts (bpf/gue.h)', () => {
  it('lays out a tunnel key as a host-order (little-endian) u32', () => {
    expect(toHex(encodeTunnelKey(42))).toBe('2a000000');
  });

  it('lays out a tunnel value: addresses and ports in network order, flags and counter in host order', () => {
    const v = {
      remoteAddr: '192.0.2.1',
      localAddr: '198.51.100.1',
      remotePort: 31000,
      localPort: 6080,
      up: true,
      kaCounter: 258n,
    };
    expect(toHex(encodeTunnelValue(v))).toBe(
      'c0000201' + 'c6336401' + '7918' + '17c0' + '01000000' + '0201000000000000',
    );
    expect(decodeTunnelValue(encodeTunnelValue(v))).toEqual(v);
  });

  it('lays out a service key with a zero pad byte', () => {
    const k = { podAddr: '10.244.1.5', podPort: 8080, proto: 6, mark: 7 };
    expect(toHex(encodeServiceKey(k))).toBe('0af40105' + '1f90' + '06' + '00' + '07000000');
    expect(decodeServiceKey(encodeServiceKey(k))).toEqual(k);
  });

  it('indexes counters in enum order', () => {
    expect(toHex(encodeCounterKey('dropWrongSource'))).toBe('07000000');
  });

  it('sums per-CPU counter values', () => {
    expect(
      sumPerCpu([Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0]), Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 0])]),
    ).toBe(257n);
  });
});
