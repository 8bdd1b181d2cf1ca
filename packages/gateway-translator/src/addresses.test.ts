import { describe, expect, it } from 'vitest';
import { addressVerdict } from './addresses.js';

describe('addressVerdict', () => {
  it('says nothing when the gateway requests no address', () => {
    expect(addressVerdict(undefined, 1)).toEqual({});
    expect(addressVerdict([], 1)).toEqual({});
  });

  it('says nothing when every request was assigned', () => {
    expect(
      addressVerdict(
        [
          { type: 'IPAddress', value: '192.0.2.1', assigned: '192.0.2.1' },
          { type: 'Hostname', assigned: 'gw.example.com' },
          { type: 'NamedAddress', value: 'pub', assigned: '192.0.2.2' },
        ],
        1,
      ),
    ).toEqual({});
  });

  it('refuses an unsupported type with Accepted=False/UnsupportedAddress naming its index', () => {
    const v = addressVerdict(
      [
        { type: 'IPAddress', value: '192.0.2.1', assigned: '192.0.2.1' },
        { type: 'example.com/custom', value: 'x' },
      ],
      4,
    );
    expect(v.accepted).toMatchObject({
      status: 'False',
      reason: 'UnsupportedAddress',
      observedGeneration: 4,
    });
    expect(v.accepted?.message).toContain('spec.addresses[1].type: "example.com/custom"');
    expect(v.programmed).toMatchObject({ status: 'False', reason: 'Invalid' });
  });

  it('is AddressNotUsable when some requests were assigned and others not', () => {
    const v = addressVerdict(
      [
        { type: 'IPAddress', value: '198.51.100.1', problem: 'not in pool' },
        { type: 'IPAddress', value: '192.0.2.1', assigned: '192.0.2.1' },
      ],
      2,
    );
    expect(v.accepted).toBeUndefined();
    expect(v.programmed).toMatchObject({
      status: 'False',
      reason: 'AddressNotUsable',
      observedGeneration: 2,
    });
    expect(v.programmed?.message).toContain('spec.addresses[0] (IPAddress "198.51.100.1"): not in pool');
    expect(v.programmed?.message).not.toContain('spec.addresses[1]');
  });

  it('is AddressNotAssigned when no request was assigned', () => {
    const v = addressVerdict([{ type: 'IPAddress', problem: 'pool exhausted' }], 1);
    expect(v.programmed).toMatchObject({ status: 'False', reason: 'AddressNotAssigned' });
    expect(v.programmed?.message).toContain('spec.addresses[0] (IPAddress (no value)): pool exhausted');
  });
  it('names every refused request in full messages joined by "; "', () => {
    const bad = addressVerdict(
      [
        { type: 'a.example/x', value: 'x' },
        { type: 'IPAddress', value: '192.0.2.1', assigned: '192.0.2.1' },
        { type: 'b.example/y' },
      ],
      1,
    );
    expect(bad.accepted?.message).toBe(
      'spec.addresses[0].type: "a.example/x" is not supported; spec.addresses[2].type: "b.example/y" is not supported' +
        ' (supported: IPAddress, Hostname, NamedAddress)',
    );
    expect(bad.programmed?.message).toBe(
      'the gateway is not accepted: it requests an unsupported address type',
    );
    const none = addressVerdict(
      [
        { type: 'IPAddress', value: '198.51.100.1', problem: 'not in pool' },
        { type: 'Hostname', value: 'gw.example' },
      ],
      1,
    );
    expect(none.programmed?.message).toBe(
      'no requested address was assigned: spec.addresses[0] (IPAddress "198.51.100.1"): not in pool; ' +
        'spec.addresses[1] (Hostname "gw.example"): not assigned',
    );
    const some = addressVerdict(
      [
        { type: 'IPAddress', value: '192.0.2.1', assigned: '192.0.2.1' },
        { type: 'IPAddress', value: '198.51.100.2' },
      ],
      1,
    );
    expect(some.programmed?.message).toBe(
      'requested addresses are not usable: spec.addresses[1] (IPAddress "198.51.100.2"): not assigned',
    );
  });
});
