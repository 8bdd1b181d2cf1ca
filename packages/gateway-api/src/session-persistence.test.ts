import { describe, expect, it } from 'vitest';
import { SessionPersistence, validate } from './index.js';
import { loadCrdSpecSchema } from './test-support/upstream.js';

// HTTPRoute rules[].sessionPersistence (GEP-1619): the experimental channel's field, with its defaults, limits
// and CEL rules (docs/adr/0461-udp-route-and-session-persistence.md).

const route = (sessionPersistence: unknown) => ({
  rules: [{ backendRefs: [{ name: 'web', port: 80 }], sessionPersistence }],
});
const issues = (sp: unknown) => {
  const r = validate('HTTPRoute', route(sp));
  return r.ok ? [] : r.issues;
};

describe('HTTPRoute sessionPersistence', () => {
  it('has the fields of the experimental CRD, no more and no fewer', () => {
    const spec = loadCrdSpecSchema('HTTPRoute', 'experimental') as any;
    const upstream = spec.properties.rules.items.properties.sessionPersistence;
    expect(Object.keys(upstream.properties).sort()).toEqual(Object.keys(SessionPersistence.shape).sort());
    expect(upstream.properties.sessionName.maxLength).toBe(128);
    expect(upstream.properties.type.enum).toEqual(['Cookie', 'Header']);
    expect(upstream.properties.cookieConfig.properties.lifetimeType.enum).toEqual(['Permanent', 'Session']);
  });

  it('defaults to a Session cookie, as the CRD does', () => {
    const r = validate('HTTPRoute', route({ cookieConfig: {} }));
    expect(r.ok && r.value.rules?.[0]?.sessionPersistence).toEqual({
      type: 'Cookie',
      cookieConfig: { lifetimeType: 'Session' },
    });
    expect(issues({ type: 'Header', sessionName: 'x-session' })).toEqual([]);
    expect(
      issues({ sessionName: 's', absoluteTimeout: '1h', cookieConfig: { lifetimeType: 'Permanent' } }),
    ).toEqual([]);
  });

  it("refuses what the CRD refuses, naming the field and with the CRD's messages", () => {
    expect(issues({ cookieConfig: { lifetimeType: 'Permanent' } })).toEqual([
      {
        path: 'spec.rules[0].sessionPersistence',
        message: 'AbsoluteTimeout must be specified when cookie lifetimeType is Permanent',
      },
    ]);
    expect(issues({ type: 'Header', cookieConfig: {} })).toEqual([
      { path: 'spec.rules[0].sessionPersistence', message: 'cookieConfig can only be set with type Cookie' },
    ]);
    expect(issues({ sessionName: 'x'.repeat(129) }).map((i) => i.path)).toEqual([
      'spec.rules[0].sessionPersistence.sessionName',
    ]);
    expect(issues({ type: 'Sticky' }).map((i) => i.path)).toEqual(['spec.rules[0].sessionPersistence.type']);
    expect(issues({ absoluteTimeout: '1 hour' }).map((i) => i.path)).toEqual([
      'spec.rules[0].sessionPersistence.absoluteTimeout',
    ]);
    expect(issues({ idleTimeout: '1h' }).map((i) => i.path)).toEqual([
      'spec.rules[0].sessionPersistence.idleTimeout',
    ]);
  });
});
