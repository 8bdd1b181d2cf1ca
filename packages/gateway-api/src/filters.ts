import { z } from 'zod';

// Route filters are discriminated unions on `type` so consumers (the translator) get the variant's
// configuration typed without null checks. The CRD's CEL rules that tie `type` to its field become the
// messages below, so errors read like the API server's.

/** The configuration field that belongs to each filter type. */
export const FILTER_FIELDS = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestMirror: 'requestMirror',
  RequestRedirect: 'requestRedirect',
  URLRewrite: 'urlRewrite',
  ExtensionRef: 'extensionRef',
  CORS: 'cors',
} as const;
export type FilterType = keyof typeof FILTER_FIELDS;

const fieldToType = new Map<string, FilterType>(
  Object.entries(FILTER_FIELDS).map(([type, field]) => [field, type as FilterType]),
);

/**
 * One variant of a filter union: `{ type: T, <field>: config }`, rejecting other filters' fields. A missing
 * config field is reported as "Required value" on `<field>` by `validate`.
 */
export function filterVariant<T extends FilterType, S extends z.ZodType>(type: T, config: S) {
  const shape = { type: z.literal(type), [FILTER_FIELDS[type]]: config } as {
    type: z.ZodLiteral<T>;
  } & Record<(typeof FILTER_FIELDS)[T], S>;
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      return issue.keys
        .map((key) => {
          const other = fieldToType.get(key);
          return other
            ? `filter.${key} must be nil if the filter.type is not ${other}`
            : `Unrecognized key: "${key}"`;
        })
        .join('; ');
    },
  });
}

/** Error for an unsupported `type` value, listing what this route kind supports. */
export function filterTypeError(supported: readonly string[]) {
  return (issue: { code: string; input?: unknown }) => {
    if (issue.code !== 'invalid_union') return undefined;
    const input = issue.input;
    const value = input !== null && typeof input === 'object' ? (input as { type?: unknown }).type : input;
    return `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`;
  };
}

/** Filter list rules shared by HTTPRoute and GRPCRoute: some filter types may appear only once. */
export function checkFilterList(
  filters: readonly { type: string }[],
  ctx: z.RefinementCtx,
  unrepeatable: readonly FilterType[],
): void {
  const count = (t: string) => filters.filter((f) => f.type === t).length;
  if (count('RequestRedirect') > 0 && count('URLRewrite') > 0) {
    ctx.addIssue({
      code: 'custom',
      path: [],
      message:
        'May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both',
    });
  }
  for (const type of unrepeatable) {
    if (count(type) > 1) {
      const second = filters.map((f) => f.type).lastIndexOf(type);
      ctx.addIssue({ code: 'custom', path: [second, 'type'], message: `${type} filter cannot be repeated` });
    }
  }
}
