import { useState, type FormEvent } from 'react';
import {
  FieldError,
  fieldProps,
  FormAlert,
  ModeSwitch,
  YamlEditor,
  yamlProblems,
  type YamlProblem,
} from '../components/form-errors.js';
import { Link, navigate } from '../components/router.js';
import { ErrorState, Loading } from '../components/states.js';
import { saveRoute } from '../data/editors.js';
import { loadGateway, loadRoute } from '../data/pages.js';
import type { Gateway, Route } from '../data/types.js';
import { useResource } from '../data/use-resource.js';
import { routeToYaml, yamlToRoute } from '../domain/resource-yaml.js';
import { formOf, PATH_TYPES, specOf, type RouteForm } from '../domain/route-form.js';

const KINDS = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'];
const P = 'route';
const ONLY_YAML = 'This route uses fields the form does not show: edit it as YAML.';

/** Add a route to a gateway (`/gateways/:id/routes/new`) or edit one (`/gateways/:id/routes/:routeId`). */
export default function RouteEditorPage({ gatewayId, routeId }: { gatewayId: string; routeId?: string }) {
  const [data] = useResource(`route:${gatewayId}:${routeId ?? 'new'}`, () =>
    Promise.all([loadGateway(gatewayId), routeId ? loadRoute(routeId) : Promise.resolve(null)]),
  );
  if (data.state === 'loading') return <Loading what="the route" />;
  if (data.state === 'error') return <ErrorState error={data.error} />;
  return <RouteEditor gateway={data.data[0]} route={data.data[1]} />;
}

function RouteEditor({ gateway, route }: { gateway: Gateway; route: Route | null }) {
  const parentRefs = (route?.spec.parentRefs as unknown[] | undefined) ?? [
    { name: gateway.name, ...(gateway.namespace !== 'default' ? { namespace: gateway.namespace } : {}) },
  ];
  const initialForm: RouteForm | null = route
    ? formOf(route.kind, route.spec)
    : {
        hostnames: '',
        rules: [{ pathType: 'PathPrefix', path: '/', backends: [{ name: '', port: '80', weight: '' }] }],
      };
  const [kind, setKind] = useState(route?.kind ?? 'HTTPRoute');
  const [name, setName] = useState(route?.name ?? '');
  const [namespace, setNamespace] = useState(route?.namespace ?? gateway.namespace);
  const [form, setForm] = useState<RouteForm | null>(initialForm);
  const [mode, setMode] = useState<'form' | 'yaml'>(initialForm ? 'form' : 'yaml');
  const [yaml, setYaml] = useState(() =>
    route
      ? routeToYaml({ kind: route.kind, name: route.name, namespace: route.namespace, spec: route.spec })
      : '',
  );
  const [parseProblem, setParseProblem] = useState<YamlProblem | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const formFits = kind === 'HTTPRoute' && form !== null;

  const switchMode = (m: 'form' | 'yaml') => {
    if (m === mode) return;
    if (m === 'yaml') {
      setYaml(
        routeToYaml({ kind, name, namespace, spec: form ? specOf(form, parentRefs) : (route?.spec ?? {}) }),
      );
      setMode('yaml');
      return;
    }
    const parsed = yamlToRoute(yaml, KINDS);
    if (!parsed.ok) {
      setParseProblem({ line: parsed.line, message: parsed.message });
      return;
    }
    const f = formOf(parsed.value.kind, parsed.value.spec);
    setKind(parsed.value.kind);
    setName(parsed.value.name);
    setNamespace(parsed.value.namespace);
    setForm(f);
    setParseProblem(null);
    if (f) setMode('form');
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setParseProblem(null);
    let draft: { kind: string; name: string; namespace: string; spec: Record<string, unknown> };
    if (mode === 'yaml') {
      const parsed = yamlToRoute(yaml, KINDS);
      // Nothing is sent when the YAML does not parse: the parser's error stands beside its line.
      if (!parsed.ok) {
        setParseProblem({ line: parsed.line, message: parsed.message });
        return;
      }
      draft = parsed.value;
    } else draft = { kind, name, namespace, spec: specOf(form!, parentRefs) };
    setBusy(true);
    // The typed GraphQL twins of PUT /routes/:id and POST /routes; a refusal's issues name the form's fields.
    saveRoute(route?.id ?? null, draft).then(
      () => navigate(`/gateways/${gateway.id}`),
      (err: unknown) => {
        setBusy(false);
        setError(err);
      },
    );
  };

  const rules = form?.rules ?? [];
  const setRules = (next: RouteForm['rules']) => form && setForm({ ...form, rules: next });
  const setRule = (i: number, patch: Partial<RouteForm['rules'][number]>) =>
    setRules(rules.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const setBackend = (i: number, k: number, patch: Partial<RouteForm['rules'][number]['backends'][number]>) =>
    setRule(i, { backends: rules[i]!.backends.map((b, j) => (j === k ? { ...b, ...patch } : b)) });
  const shown = (path: string) =>
    mode === 'form' &&
    (/^(kind|name|namespace)$/.test(path) ||
      /^spec\.hostnames/.test(path) ||
      /^spec\.rules\[\d+\]\.(matches\[0\]\.path\.(type|value)|backendRefs\[\d+\]\.(name|port|weight))$/.test(
        path,
      ));
  const problems = parseProblem ? [parseProblem] : mode === 'yaml' ? yamlProblems(error, yaml) : [];
  const title = route
    ? `Edit route ${route.namespace}/${route.name}`
    : `New route on ${gateway.namespace}/${gateway.name}`;
  return (
    <section aria-labelledby="editor-title" className="editor">
      <p className="crumbs">
        <Link href="/gateways">Gateways</Link> /{' '}
        <Link href={`/gateways/${gateway.id}`}>
          {gateway.namespace}/{gateway.name}
        </Link>{' '}
        /
      </p>
      <h1 id="editor-title">{title}</h1>
      <form onSubmit={submit} aria-labelledby="editor-title" noValidate>
        <ModeSwitch
          mode={mode}
          onMode={switchMode}
          formDisabled={formFits || mode === 'form' ? undefined : ONLY_YAML}
        />
        <FormAlert error={mode === 'form' || !problems.length ? error : null} shown={shown} />
        {mode === 'yaml' ? (
          <YamlEditor
            id="route-yaml"
            label="Route (Gateway API YAML)"
            value={yaml}
            onChange={setYaml}
            problems={problems}
          />
        ) : (
          <>
            <div className="fields">
              <label htmlFor={fieldProps(error, P, 'kind').id}>Kind</label>
              <select {...fieldProps(error, P, 'kind')} value={kind} disabled>
                <option>{kind}</option>
              </select>
              <FieldError error={error} prefix={P} path="kind" />
              <label htmlFor={fieldProps(error, P, 'name').id}>Name</label>
              <input
                {...fieldProps(error, P, 'name')}
                value={name}
                disabled={Boolean(route)}
                onChange={(e) => setName(e.target.value)}
              />
              <FieldError error={error} prefix={P} path="name" />
              <label htmlFor={fieldProps(error, P, 'namespace').id}>Namespace</label>
              <input
                {...fieldProps(error, P, 'namespace')}
                value={namespace}
                disabled={Boolean(route)}
                onChange={(e) => setNamespace(e.target.value)}
              />
              <FieldError error={error} prefix={P} path="namespace" />
              <label htmlFor={fieldProps(error, P, 'spec.hostnames').id}>Hostnames</label>
              <input
                {...fieldProps(error, P, 'spec.hostnames')}
                value={form?.hostnames ?? ''}
                placeholder="any (comma-separated)"
                onChange={(e) => form && setForm({ ...form, hostnames: e.target.value })}
              />
              <FieldError error={error} prefix={P} path="spec.hostnames" />
            </div>
            {rules.map((r, i) => {
              const at = (f: string) => `spec.rules[${i}].${f}`;
              return (
                <fieldset className="rows" key={i} data-testid={`rule-${i}`}>
                  <legend>Rule {i + 1}</legend>
                  <div className="fields">
                    <label htmlFor={fieldProps(error, P, at('matches[0].path.type')).id}>
                      Rule {i + 1} path match
                    </label>
                    <select
                      {...fieldProps(error, P, at('matches[0].path.type'))}
                      value={r.pathType}
                      onChange={(e) => setRule(i, { pathType: e.target.value })}
                    >
                      {PATH_TYPES.map((t) => (
                        <option key={t}>{t}</option>
                      ))}
                    </select>
                    <FieldError error={error} prefix={P} path={at('matches[0].path.type')} />
                    <label htmlFor={fieldProps(error, P, at('matches[0].path.value')).id}>
                      Rule {i + 1} path
                    </label>
                    <input
                      {...fieldProps(error, P, at('matches[0].path.value'))}
                      value={r.path}
                      onChange={(e) => setRule(i, { path: e.target.value })}
                    />
                    <FieldError error={error} prefix={P} path={at('matches[0].path.value')} />
                  </div>
                  {r.backends.map((b, k) => {
                    const bat = (f: string) => at(`backendRefs[${k}].${f}`);
                    const label = `Rule ${i + 1} backend ${k + 1}`;
                    return (
                      <div className="fields backend-row" key={k}>
                        <label htmlFor={fieldProps(error, P, bat('name')).id}>{label} service</label>
                        <input
                          {...fieldProps(error, P, bat('name'))}
                          value={b.name}
                          onChange={(e) => setBackend(i, k, { name: e.target.value })}
                        />
                        <FieldError error={error} prefix={P} path={bat('name')} />
                        <label htmlFor={fieldProps(error, P, bat('port')).id}>{label} port</label>
                        <input
                          {...fieldProps(error, P, bat('port'))}
                          inputMode="numeric"
                          value={b.port}
                          onChange={(e) => setBackend(i, k, { port: e.target.value })}
                        />
                        <FieldError error={error} prefix={P} path={bat('port')} />
                        <label htmlFor={fieldProps(error, P, bat('weight')).id}>{label} weight</label>
                        <input
                          {...fieldProps(error, P, bat('weight'))}
                          inputMode="numeric"
                          value={b.weight}
                          placeholder="1"
                          onChange={(e) => setBackend(i, k, { weight: e.target.value })}
                        />
                        <FieldError error={error} prefix={P} path={bat('weight')} />
                        {r.backends.length > 1 ? (
                          <button
                            type="button"
                            onClick={() => setRule(i, { backends: r.backends.filter((_, j) => j !== k) })}
                          >
                            Remove {label.toLowerCase()}
                          </button>
                        ) : null}
                      </div>
                    );
                  })}
                  <p className="actions">
                    <button
                      type="button"
                      onClick={() =>
                        setRule(i, { backends: [...r.backends, { name: '', port: '80', weight: '' }] })
                      }
                    >
                      Add a backend to rule {i + 1}
                    </button>{' '}
                    {rules.length > 1 ? (
                      <button type="button" onClick={() => setRules(rules.filter((_, j) => j !== i))}>
                        Remove rule {i + 1}
                      </button>
                    ) : null}
                  </p>
                </fieldset>
              );
            })}
            <button
              type="button"
              onClick={() =>
                setRules([
                  ...rules,
                  { pathType: 'PathPrefix', path: '/', backends: [{ name: '', port: '80', weight: '' }] },
                ])
              }
            >
              Add rule
            </button>
          </>
        )}
        <p className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {route ? 'Save route' : 'Create route'}
          </button>{' '}
          <Link href={`/gateways/${gateway.id}`} className="button">
            Cancel
          </Link>
        </p>
      </form>
    </section>
  );
}
