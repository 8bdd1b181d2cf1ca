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
import { saveGateway } from '../data/editors.js';
import { loadGateway, loadTemplates } from '../data/pages.js';
import type { Gateway } from '../data/types.js';
import { useResource } from '../data/use-resource.js';
import { gatewayToYaml, yamlToGateway, type GatewayDraft } from '../domain/resource-yaml.js';

const PROTOCOLS = ['HTTP', 'HTTPS', 'TLS', 'TCP'];
const P = 'gw';

interface ListenerRow {
  name: string;
  port: string;
  protocol: string;
  hostname: string;
}

/** Numbers stay numbers; anything else goes to the API as typed, so its validation names the field. */
const num = (s: string): number | string => (/^\d+$/.test(s.trim()) ? Number(s) : s);

function toDraft(name: string, namespace: string, rows: ListenerRow[]): GatewayDraft {
  return {
    name,
    namespace,
    listeners: rows.map((r) => ({
      name: r.name,
      port: num(r.port) as number,
      protocol: r.protocol,
      ...(r.hostname ? { hostname: r.hostname } : {}),
    })),
  };
}

function toRows(d: GatewayDraft): ListenerRow[] {
  return (Array.isArray(d.listeners) ? d.listeners : []).map((l) => ({
    name: String(l.name ?? ''),
    port: String(l.port ?? ''),
    protocol: String(l.protocol ?? 'HTTP'),
    hostname: l.hostname ?? '',
  }));
}

/** Create a gateway (`/gateways/new`) or edit a gateway's listeners (`/gateways/:id/edit`). */
export default function GatewayEditorPage({ id }: { id?: string }) {
  const [gw] = useResource(`gw:${id ?? 'new'}`, () => (id ? loadGateway(id) : Promise.resolve(null)));
  if (gw.state === 'loading') return <Loading what="the gateway" />;
  if (gw.state === 'error') return <ErrorState error={gw.error} />;
  return <GatewayEditor gateway={gw.data} />;
}

function GatewayEditor({ gateway }: { gateway: Gateway | null }) {
  const [templates] = useResource('templates', async () => ({ items: await loadTemplates() }));
  const [mode, setMode] = useState<'form' | 'yaml'>('form');
  const [name, setName] = useState(gateway?.name ?? '');
  const [namespace, setNamespace] = useState(gateway?.namespace ?? 'default');
  const [template, setTemplate] = useState(gateway?.template?.name ?? 'default');
  const [rows, setRows] = useState<ListenerRow[]>(
    gateway
      ? toRows({ name: gateway.name, namespace: gateway.namespace, listeners: gateway.listeners as never })
      : [{ name: 'http', port: '80', protocol: 'HTTP', hostname: '' }],
  );
  const [yaml, setYaml] = useState('');
  const [parseProblem, setParseProblem] = useState<YamlProblem | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const switchMode = (m: 'form' | 'yaml') => {
    if (m === mode) return;
    if (m === 'yaml') {
      setYaml(gatewayToYaml(toDraft(name, namespace, rows)));
      setMode('yaml');
      return;
    }
    const parsed = yamlToGateway(yaml);
    if (!parsed.ok) {
      setParseProblem({ line: parsed.line, message: parsed.message });
      return;
    }
    setName(parsed.value.name);
    setNamespace(parsed.value.namespace);
    setRows(toRows(parsed.value));
    setParseProblem(null);
    setMode('form');
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setParseProblem(null);
    let body: Record<string, unknown>;
    if (mode === 'yaml') {
      const parsed = yamlToGateway(yaml);
      // Nothing is sent when the YAML does not parse: the parser's error stands beside its line.
      if (!parsed.ok) {
        setParseProblem({ line: parsed.line, message: parsed.message });
        return;
      }
      const { gatewayClassName, ...draft } = parsed.value;
      body = { ...draft, ...(gatewayClassName ? { gatewayClassName } : { template }) };
    } else body = { ...toDraft(name, namespace, rows), template };
    setBusy(true);
    // The typed GraphQL twins of PUT /gateways/:id/listeners and POST /gateways.
    saveGateway(gateway?.id ?? null, body).then(
      (g) => navigate(`/gateways/${g.id}`),
      (err: unknown) => {
        setBusy(false);
        setError(err);
      },
    );
  };

  const set = (i: number, patch: Partial<ListenerRow>) =>
    setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const shown = (path: string) =>
    mode === 'form' && (/^(name|namespace|template)$/.test(path) || /^listeners\[\d+\]/.test(path));
  const title = gateway ? `Edit listeners of ${gateway.namespace}/${gateway.name}` : 'New gateway';
  const problems = parseProblem ? [parseProblem] : mode === 'yaml' ? yamlProblems(error, yaml) : [];
  return (
    <section aria-labelledby="editor-title" className="editor">
      <p className="crumbs">
        <Link href="/gateways">Gateways</Link> /
        {gateway ? (
          <>
            {' '}
            <Link href={`/gateways/${gateway.id}`}>
              {gateway.namespace}/{gateway.name}
            </Link>{' '}
            /
          </>
        ) : null}
      </p>
      <h1 id="editor-title">{title}</h1>
      <form onSubmit={submit} aria-labelledby="editor-title" noValidate>
        <ModeSwitch mode={mode} onMode={switchMode} />
        <FormAlert error={mode === 'form' || !problems.length ? error : null} shown={shown} />
        {!gateway ? (
          <div className="fields">
            <label htmlFor="gw-template">Template</label>
            <select
              {...fieldProps(error, P, 'template')}
              id="gw-template"
              value={template}
              onChange={(e) => setTemplate(e.target.value)}
            >
              {templates.state === 'ready'
                ? templates.data.items.map((t) => (
                    <option key={t.id} value={t.name}>
                      {t.name}
                    </option>
                  ))
                : [
                    <option key="current" value={template}>
                      {template}
                    </option>,
                  ]}
            </select>
            <FieldError error={error} prefix={P} path="template" />
          </div>
        ) : null}
        {mode === 'yaml' ? (
          <YamlEditor
            id="gw-yaml"
            label="Gateway (Gateway API YAML)"
            value={yaml}
            onChange={setYaml}
            problems={problems}
          />
        ) : (
          <>
            <div className="fields">
              <label htmlFor={fieldProps(error, P, 'name').id}>Name</label>
              <input
                {...fieldProps(error, P, 'name')}
                value={name}
                disabled={Boolean(gateway)}
                onChange={(e) => setName(e.target.value)}
              />
              <FieldError error={error} prefix={P} path="name" />
              <label htmlFor={fieldProps(error, P, 'namespace').id}>Namespace</label>
              <input
                {...fieldProps(error, P, 'namespace')}
                value={namespace}
                disabled={Boolean(gateway)}
                onChange={(e) => setNamespace(e.target.value)}
              />
              <FieldError error={error} prefix={P} path="namespace" />
            </div>
            <fieldset className="rows">
              <legend>Listeners</legend>
              {rows.map((r, i) => {
                const at = (f: string) => `listeners[${i}].${f}`;
                return (
                  <div className="fields listener-row" key={i} data-testid={`listener-${i}`}>
                    <label htmlFor={fieldProps(error, P, at('name')).id}>Listener {i + 1} name</label>
                    <input
                      {...fieldProps(error, P, at('name'))}
                      value={r.name}
                      onChange={(e) => set(i, { name: e.target.value })}
                    />
                    <FieldError error={error} prefix={P} path={at('name')} />
                    <label htmlFor={fieldProps(error, P, at('port')).id}>Listener {i + 1} port</label>
                    <input
                      {...fieldProps(error, P, at('port'))}
                      inputMode="numeric"
                      value={r.port}
                      onChange={(e) => set(i, { port: e.target.value })}
                    />
                    <FieldError error={error} prefix={P} path={at('port')} />
                    <label htmlFor={fieldProps(error, P, at('protocol')).id}>Listener {i + 1} protocol</label>
                    <select
                      {...fieldProps(error, P, at('protocol'))}
                      value={r.protocol}
                      onChange={(e) => set(i, { protocol: e.target.value })}
                    >
                      {PROTOCOLS.map((p) => (
                        <option key={p}>{p}</option>
                      ))}
                    </select>
                    <FieldError error={error} prefix={P} path={at('protocol')} />
                    <label htmlFor={fieldProps(error, P, at('hostname')).id}>Listener {i + 1} hostname</label>
                    <input
                      {...fieldProps(error, P, at('hostname'))}
                      value={r.hostname}
                      placeholder="any"
                      onChange={(e) => set(i, { hostname: e.target.value })}
                    />
                    <FieldError error={error} prefix={P} path={at('hostname')} />
                    {rows.length > 1 ? (
                      <button type="button" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                        Remove listener {i + 1}
                      </button>
                    ) : null}
                  </div>
                );
              })}
              <button
                type="button"
                onClick={() => setRows([...rows, { name: '', port: '', protocol: 'HTTP', hostname: '' }])}
              >
                Add listener
              </button>
            </fieldset>
          </>
        )}
        <p className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {gateway ? 'Save listeners' : 'Create gateway'}
          </button>{' '}
          <Link href={gateway ? `/gateways/${gateway.id}` : '/gateways'} className="button">
            Cancel
          </Link>
        </p>
      </form>
    </section>
  );
}
