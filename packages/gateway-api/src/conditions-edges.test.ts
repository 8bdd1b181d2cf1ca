import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { upstreamRoot } from './test-support/upstream.js';
import {
  Condition,
  GATEWAY_API_BUNDLE_VERSION,
  GATEWAY_API_GROUP,
  GATEWAY_API_VERSION,
  GatewayConditionReason,
  GatewayConditionType,
  ListenerConditionReason,
  ListenerConditionType,
  RouteConditionReason,
  RouteConditionType,
} from './index.js';

// The condition vocabulary other packages report with: upstream's spelling (each name is its own value),
// every reason and type accepted by metav1.Condition, and the members the translator and API rely on.

const sets = {
  GatewayConditionType,
  GatewayConditionReason,
  ListenerConditionType,
  ListenerConditionReason,
  RouteConditionType,
  RouteConditionReason,
};

describe('condition types and reasons', () => {
  it('spell each value as its name and fit metav1.Condition', () => {
    for (const [set, values] of Object.entries(sets)) {
      expect(Object.keys(values).length, set).toBeGreaterThan(2);
      for (const [name, value] of Object.entries(values)) {
        expect(value, `${set}.${name}`).toBe(name);
        const ok = Condition.safeParse({
          type: value,
          status: 'True',
          reason: value,
          message: '',
          lastTransitionTime: '2026-01-01T00:00:00Z',
        }).success;
        expect(ok, `${set}.${name}`).toBe(true);
      }
    }
  });

  it('hold the members upstream defines for each object', () => {
    expect(Object.keys(GatewayConditionType)).toEqual(
      expect.arrayContaining(['Accepted', 'Programmed', 'ResolvedRefs']),
    );
    expect(Object.keys(GatewayConditionReason)).toEqual(
      expect.arrayContaining([
        'Accepted',
        'ListenersNotValid',
        'Programmed',
        'Invalid',
        'AddressNotAssigned',
      ]),
    );
    expect(Object.keys(ListenerConditionType)).toEqual(
      expect.arrayContaining(['Accepted', 'Conflicted', 'Programmed', 'ResolvedRefs']),
    );
    expect(Object.keys(ListenerConditionReason)).toEqual(
      expect.arrayContaining([
        'UnsupportedProtocol',
        'InvalidCertificateRef',
        'InvalidRouteKinds',
        'ProtocolConflict',
        'HostnameConflict',
        'NoConflicts',
      ]),
    );
    expect(Object.keys(RouteConditionType)).toEqual(['Accepted', 'ResolvedRefs', 'PartiallyInvalid']);
    expect(Object.keys(RouteConditionReason)).toEqual(
      expect.arrayContaining([
        'NotAllowedByListeners',
        'NoMatchingListenerHostname',
        'NoMatchingParent',
        'UnsupportedValue',
        'RefNotPermitted',
        'InvalidKind',
        'BackendNotFound',
      ]),
    );
  });
});

describe('API group and version', () => {
  it('are those of the upstream CRD bundle the schemas follow', () => {
    const crd = parse(
      readFileSync(path.join(upstreamRoot, 'crd/standard/gateway.networking.k8s.io_httproutes.yaml'), 'utf8'),
    ) as {
      metadata: { annotations: Record<string, string> };
      spec: { group: string; versions: { name: string; storage: boolean }[] };
    };
    expect(GATEWAY_API_GROUP).toBe(crd.spec.group);
    expect(GATEWAY_API_BUNDLE_VERSION).toBe(
      crd.metadata.annotations['gateway.networking.k8s.io/bundle-version'],
    );
    expect(crd.spec.versions.find((v) => v.storage)?.name).toBe(GATEWAY_API_VERSION);
  });
});
