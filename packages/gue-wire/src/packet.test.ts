import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decapsulateIpv4, encapsulateIpv4, internetChecksum, ipv4Packet } from './packet.js';
import { fromHex, toHex } from './bytes.js';
import { GUE_OVERHEAD_IPV4, tunnelMtu } from './constants.js';

const ep = { localAddr: '198.51.100.1', localPort: 6080, remoteAddr: '192.0.2.1', remotePort: 31000 };

describe('IPv4/UDP/GUE encapsulation', () => {
  it('computes the IPv4 header checksum of a known header', () => {
    const h = fromHex('450000730000400040110000c0a80001c0a800c7');
    expect(internetChecksum(h)).toBe(0xb861);
  });

  it('builds byte-exact outer headers (checked against an independent implementation)', () => {
    const inner = fromHex('45000014' + '00'.repeat(16));
    const out = encapsulateIpv4(inner, 42, ep);
    expect(toHex(out.subarray(0, GUE_OVERHEAD_IPV4))).toBe(
      '450000380000400040114e7fc6336401c000020117c0791800240000010400000000002a',
    );
    expect(out.subarray(GUE_OVERHEAD_IPV4)).toEqual(inner);
  });

  it('produces outer headers whose checksum verifies', () => {
    const out = encapsulateIpv4(
      ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6 }, new Uint8Array(100)),
      7,
      ep,
    );
    expect(internetChecksum(out.subarray(0, 20))).toBe(0);
  });

  it('decapsulation restores any inner packet and reports the outer source', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 1400 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (payload, id) => {
          const inner = ipv4Packet({ src: '10.200.0.2', dst: '10.244.1.5', protocol: 17 }, payload);
          const r = decapsulateIpv4(encapsulateIpv4(inner, id, { ...ep, remotePort: 6080 }));
          expect(r).toEqual({
            ok: true,
            value: { tunnelId: id, outerSrc: ep.localAddr, outerSrcPort: 6080, inner },
          });
        },
      ),
    );
  });

  it('rejects a packet whose UDP length disagrees with the inner packet', () => {
    const out = encapsulateIpv4(
      ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6 }, new Uint8Array(20)),
      7,
      {
        ...ep,
        remotePort: 6080,
      },
    );
    out[25] = (out[25] as number) + 1;
    expect(decapsulateIpv4(out)).toEqual({ ok: false, reason: 'udp length' });
  });

  it('subtracts the 36-byte overhead from the link MTU', () => {
    expect(tunnelMtu(1500)).toBe(1464);
  });
});
