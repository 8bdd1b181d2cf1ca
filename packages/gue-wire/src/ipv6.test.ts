import { describe, expect, it } from 'vitest';
import { bytesToIpv6, ipv6ToBytes, toHex } from './bytes.js';
import { decodeService6Key, encodeReturnFlowKey, encodeService6Key, serviceMapFor } from './maps.js';
import { encapsulateIpv4, ipv6Packet } from './packet.js';

describe('IPv6 inner packets', () => {
  it('parses and prints IPv6 addresses in RFC 5952 form', () => {
    expect(toHex(ipv6ToBytes('fd00:244::5'))).toBe('fd000244000000000000000000000005');
    expect(bytesToIpv6(ipv6ToBytes('FD00:0:0:1:0:0:0:5'))).toBe('fd00:0:0:1::5');
    expect(bytesToIpv6(ipv6ToBytes('::'))).toBe('::');
    expect(() => ipv6ToBytes('1::2::3')).toThrow(/not an IPv6/);
    expect(() => ipv6ToBytes('10.0.0.1')).toThrow(/not an IPv6/);
  });

  it('lays out an IPv6 service key (24 bytes) and keeps the families in separate maps', () => {
    const k = { podAddr: 'fd00:244::5', podPort: 8080, proto: 6, mark: 7 };
    expect(toHex(encodeService6Key(k))).toBe(
      'fd000244000000000000000000000005' + '1f90' + '06' + '00' + '07000000',
    );
    expect(decodeService6Key(encodeService6Key(k))).toEqual(k);
    expect([serviceMapFor('fd00:244::5'), serviceMapFor('10.244.1.5')]).toEqual([
      'gue_services6',
      'gue_services',
    ]);
    expect(encodeReturnFlowKey('fd00:200::2').length).toBe(16);
  });

  it('encapsulates IPv6 with GUE proto 41 and the traffic class as outer TOS', () => {
    const inner = ipv6Packet(
      { src: 'fd00:200::2', dst: 'fd00:244::5', nextHeader: 17, trafficClass: 0x28 },
      new Uint8Array(8),
    );
    const out = encapsulateIpv4(inner, 42, {
      localAddr: '198.51.100.1',
      localPort: 6080,
      remoteAddr: '192.0.2.1',
      remotePort: 6080,
    });
    expect({ tos: out[1], totalLength: (out[2]! << 8) | out[3]!, gueProto: out[29] }).toEqual({
      tos: 0x28,
      totalLength: 36 + 48,
      gueProto: 41,
    });
  });
});
