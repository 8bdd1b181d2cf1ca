import { describe, expect, it } from 'vitest';
import { computeGatewayStatus, type GatewayState } from './gateway-status.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:01:00.000Z';
const base: GatewayState = { generation: 3, address: '192.0.2.1', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }], attachedRoutes: [] };
const none = { conditions: [], listeners: [] };
const cond = (s: ReturnType<typeof computeGatewayStatus>, type: string) => s.conditions.find((c) => c.type === type);

describe('computeGatewayStatus', () => {
  it('accepts a gateway with valid listeners and leaves Programmed Unknown until the xDS pipeline reports', () => {
    const s = computeGatewayStatus(base, none, T0);
    expect(cond(s, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted', observedGeneration: 3 });
    expect(cond(s, 'Programmed')).toMatchObject({ status: 'Unknown', reason: 'Pending' });
  });

  it('keeps lastTransitionTime of conditions whose status did not change', () => {
    const first = computeGatewayStatus(base, none, T0);
    const again = computeGatewayStatus({ ...base, generation: 4 }, first, T1);
    expect(cond(again, 'Accepted')).toMatchObject({ lastTransitionTime: T0, observedGeneration: 4 });
  });

  it('reports an unsupported protocol on the listener and ListenersNotValid on the gateway', () => {
    const s = computeGatewayStatus({ ...base, listeners: [...base.listeners, { name: 'dns', port: 53, protocol: 'UDP' }] }, none, T0);
    expect(cond(s, 'Accepted')).toMatchObject({ status: 'True', reason: 'ListenersNotValid' });
    expect(s.listeners[1]!.conditions.find((c) => c.type === 'Accepted')).toMatchObject({ status: 'False', reason: 'UnsupportedProtocol' });
  });

  it('rejects the gateway when no listener is valid', () => {
    const s = computeGatewayStatus({ ...base, listeners: [{ name: 'dns', port: 53, protocol: 'UDP' }] }, none, T0);
    expect(cond(s, 'Accepted')).toMatchObject({ status: 'False', reason: 'ListenersNotValid' });
  });

  it('flags listeners that share a port with incompatible protocols as conflicted', () => {
    const s = computeGatewayStatus({ ...base, listeners: [{ name: 'a', port: 80, protocol: 'HTTP' }, { name: 'b', port: 80, protocol: 'TCP' }] }, none, T0);
    for (const l of s.listeners) expect(l.conditions.find((c) => c.type === 'Conflicted')).toMatchObject({ status: 'True', reason: 'ProtocolConflict' });
  });

  it('counts attached routes per listener by kind and sectionName', () => {
    const s = computeGatewayStatus(
      { ...base, listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }, { name: 'tcp', port: 5432, protocol: 'TCP' }], attachedRoutes: [{ kind: 'HTTPRoute' }, { kind: 'HTTPRoute', sectionName: 'tcp' }, { kind: 'TCPRoute' }] },
      none,
      T0,
    );
    expect(s.listeners.map((l) => [l.name, l.attachedRoutes])).toEqual([['http', 1], ['tcp', 1]]);
  });

  it('says Programmed=False AddressNotAssigned without an address', () => {
    expect(cond(computeGatewayStatus({ ...base, address: null }, none, T0), 'Programmed')).toMatchObject({ status: 'False', reason: 'AddressNotAssigned' });
  });
});
