import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  HTTPRouteSpec,
  type HTTPPathModifier,
  type HTTPRouteFilter,
  type HTTPRouteSpecInput,
} from './index.js';

describe('inferred types', () => {
  it('filters narrow on type, so the variant config needs no null check', () => {
    const spec = HTTPRouteSpec.parse({
      rules: [
        {
          filters: [
            {
              type: 'RequestRedirect',
              requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/x' } },
            },
          ],
        },
      ],
    });
    const filter: HTTPRouteFilter | undefined = spec.rules[0]?.filters?.[0];
    const target = filter?.type === 'RequestRedirect' ? filter.requestRedirect.path : undefined;
    expectTypeOf(target).toEqualTypeOf<HTTPPathModifier | undefined>();
    expect(target?.type === 'ReplaceFullPath' ? target.replaceFullPath : undefined).toBe('/x');
  });

  it('defaulted fields are required on output and optional on input', () => {
    expectTypeOf<HTTPRouteSpec['rules'][number]['matches'][number]['path']['type']>().toEqualTypeOf<
      'Exact' | 'PathPrefix' | 'RegularExpression'
    >();
    expectTypeOf<HTTPRouteSpecInput>().toMatchTypeOf<{ rules?: unknown }>();
    expect(HTTPRouteSpec.parse({}).rules).toHaveLength(1);
  });
});
