/**
 * The route form's model: the common HTTPRoute shape (hostnames; rules of one path match and weighted
 * backends). A spec with anything else (filters, header matches, other kinds) is edited as YAML only. Pure.
 */
export interface BackendRow {
  name: string;
  port: string;
  weight: string;
}
export interface RuleRow {
  pathType: string;
  path: string;
  backends: BackendRow[];
}
export interface RouteForm {
  hostnames: string;
  rules: RuleRow[];
}

export const PATH_TYPES = ['PathPrefix', 'Exact', 'RegularExpression'];

const onlyKeys = (o: unknown, keys: string[]) =>
  Boolean(o) &&
  typeof o === 'object' &&
  !Array.isArray(o) &&
  Object.keys(o as object).every((k) => keys.includes(k));

/** The form for a spec, or null when the spec holds more than the form can show. */
export function formOf(kind: string, spec: Record<string, unknown>): RouteForm | null {
  if (kind !== 'HTTPRoute' || !onlyKeys(spec, ['parentRefs', 'hostnames', 'rules'])) return null;
  const hostnames = spec.hostnames ?? [];
  const rules = spec.rules ?? [];
  if (!Array.isArray(hostnames) || !hostnames.every((h) => typeof h === 'string') || !Array.isArray(rules))
    return null;
  const out: RuleRow[] = [];
  for (const r of rules as unknown[]) {
    if (!onlyKeys(r, ['matches', 'backendRefs'])) return null;
    const { matches = [], backendRefs = [] } = r as { matches?: unknown[]; backendRefs?: unknown[] };
    if (!Array.isArray(matches) || matches.length > 1 || !Array.isArray(backendRefs)) return null;
    const m = matches[0] as { path?: { type?: unknown; value?: unknown } } | undefined;
    if (m && (!onlyKeys(m, ['path']) || !onlyKeys(m.path ?? {}, ['type', 'value']))) return null;
    const backends: BackendRow[] = [];
    for (const b of backendRefs) {
      // group '' and kind Service are the defaults the API fills in: a plain Service reference.
      if (!onlyKeys(b, ['name', 'port', 'weight', 'group', 'kind'])) return null;
      const x = b as { name?: unknown; port?: unknown; weight?: unknown; group?: unknown; kind?: unknown };
      if ((x.group ?? '') !== '' || (x.kind ?? 'Service') !== 'Service') return null;
      backends.push({
        name: String(x.name ?? ''),
        port: x.port === undefined ? '' : String(x.port),
        weight: x.weight === undefined ? '' : String(x.weight),
      });
    }
    out.push({
      pathType: String(m?.path?.type ?? 'PathPrefix'),
      path: String(m?.path?.value ?? '/'),
      backends,
    });
  }
  return { hostnames: (hostnames as string[]).join(', '), rules: out };
}

/** Numbers stay numbers; anything else goes to the API as typed, so its validation names the field. */
const num = (s: string): number | string => (/^\s*\d+\s*$/.test(s) ? Number(s) : s);

/** The spec of a form; `parentRefs` are kept from the route being edited, or attach it to the gateway. */
export function specOf(form: RouteForm, parentRefs: unknown[]): Record<string, unknown> {
  const hostnames = form.hostnames
    .split(/[\s,]+/)
    .map((h) => h.trim())
    .filter(Boolean);
  return {
    parentRefs,
    ...(hostnames.length ? { hostnames } : {}),
    rules: form.rules.map((r) => ({
      matches: [{ path: { type: r.pathType, value: r.path } }],
      backendRefs: r.backends.map((b) => ({
        name: b.name,
        ...(b.port.trim() ? { port: num(b.port) } : {}),
        ...(b.weight.trim() ? { weight: num(b.weight) } : {}),
      })),
    })),
  };
}
