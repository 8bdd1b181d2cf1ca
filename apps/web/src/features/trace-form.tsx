import { useState, type FormEvent } from 'react';
import { ErrorState } from '../components/states.js';
import { ApiError } from '../data/api.js';
import { traceRequest, type TraceResult } from '../data/editors.js';
import type { Listener } from '../data/types.js';
import { parseHeaderLines } from '../domain/header-lines.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export type { TraceResult };

/** The message of the API's validation issue for one field, if any. */
function issueFor(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const hit = error.issues.find((i) => (Array.isArray(i.path) ? i.path[0] : i.path.split('.')[0]) === field);
  return hit?.message;
}

/**
 * Trace a request: what the gateway's proxies would do with it, from the served revision. The answer is shown
 * beside the form and its path lit on the graph.
 */
export function TraceForm({
  gatewayId,
  listeners,
  defaultHost,
  onResult,
}: {
  gatewayId: string;
  listeners: Listener[];
  defaultHost: string;
  onResult: (r: TraceResult | null) => void;
}) {
  const [method, setMethod] = useState('GET');
  const [host, setHost] = useState(defaultHost);
  const [path, setPath] = useState('/');
  const [port, setPort] = useState(String(listeners[0]?.port ?? 80));
  const [serverName, setServerName] = useState('');
  const [headerText, setHeaderText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<TraceResult | null>(null);
  const parsed = parseHeaderLines(headerText);
  const https = listeners.find((l) => String(l.port) === port)?.protocol === 'HTTPS';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (parsed.bad.length) return;
    setBusy(true);
    setError(null);
    // Over the typed GraphQL face (a query: a GET without the CSRF token, since tracing changes nothing).
    traceRequest(gatewayId, {
      method,
      host,
      path,
      port: Number(port),
      headers: parsed.headers,
      // An HTTPS listener picks its filter chain by SNI: the server name, else the host.
      ...(https ? { serverName: serverName || host } : {}),
    })
      .then(
        (r) => {
          setResult(r);
          onResult(r);
        },
        (err: unknown) => {
          setError(err);
          setResult(null);
          onResult(null);
        },
      )
      .finally(() => setBusy(false));
  };
  const fieldError = (field: string) => {
    const m = issueFor(error, field);
    return m ? (
      <span className="field-error" id={`trace-${field}-error`} role="alert">
        {m}
      </span>
    ) : null;
  };
  const described = (field: string) =>
    issueFor(error, field) ? { 'aria-describedby': `trace-${field}-error`, 'aria-invalid': true } : {};
  const outcome = result?.outcome as
    | {
        route?: string | null;
        status?: number;
        action?: {
          type: string;
          clusters?: { name: string; weight: number; status?: number }[];
          location?: string;
        };
      }
    | undefined;

  return (
    <div className="trace grid2">
      <form className="card trace-form" onSubmit={submit} aria-labelledby="trace-title">
        <h2 id="trace-title">Trace a request</h2>
        <div className="fields">
          <label htmlFor="trace-method">Method</label>
          <select id="trace-method" value={method} onChange={(e) => setMethod(e.target.value)}>
            {METHODS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
          <label htmlFor="trace-port">Listener</label>
          <select
            id="trace-port"
            value={port}
            onChange={(e) => setPort(e.target.value)}
            {...described('port')}
          >
            {listeners.map((l) => (
              <option key={l.name} value={l.port}>
                {l.name} ({l.protocol}:{l.port})
              </option>
            ))}
          </select>
          {fieldError('port')}
          <label htmlFor="trace-host">Host</label>
          <input
            id="trace-host"
            required
            value={host}
            onChange={(e) => setHost(e.target.value)}
            {...described('host')}
          />
          {fieldError('host')}
          {https ? (
            <>
              <label htmlFor="trace-sni">Server name (SNI)</label>
              <input
                id="trace-sni"
                value={serverName}
                placeholder={host}
                onChange={(e) => setServerName(e.target.value)}
                {...described('serverName')}
              />
              {fieldError('serverName')}
            </>
          ) : null}
          <label htmlFor="trace-path">Path</label>
          <input
            id="trace-path"
            required
            value={path}
            onChange={(e) => setPath(e.target.value)}
            {...described('path')}
          />
          {fieldError('path')}
          <label htmlFor="trace-headers">Headers</label>
          <textarea
            id="trace-headers"
            rows={3}
            placeholder="x-canary: true"
            value={headerText}
            onChange={(e) => setHeaderText(e.target.value)}
            {...(parsed.bad.length || issueFor(error, 'headers')
              ? { 'aria-describedby': 'trace-headers-error', 'aria-invalid': true }
              : {})}
          />
          {parsed.bad.length ? (
            <span className="field-error" id="trace-headers-error" role="alert">
              Line {parsed.bad.join(', ')}: write one header per line as <code>name: value</code>.
            </span>
          ) : (
            fieldError('headers')
          )}
        </div>
        <p>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Tracing…' : 'Trace'}
          </button>{' '}
          {result ? (
            <button
              type="button"
              onClick={() => {
                setResult(null);
                onResult(null);
              }}
            >
              Clear
            </button>
          ) : null}
        </p>
        {error && !(error instanceof ApiError && error.issues.length) ? (
          <ErrorState error={error instanceof Error ? error : new Error(String(error))} />
        ) : null}
      </form>
      <div className="card" aria-live="polite" data-testid="trace-result">
        <h2>Answer</h2>
        {!result ? <p className="muted">Trace a request to see what the proxies would do with it.</p> : null}
        {result ? (
          <>
            <p>
              {outcome?.route ? (
                <>
                  <span className="badge ok">matched</span> route <code>{outcome.route}</code>
                </>
              ) : (
                <>
                  <span className="badge bad">no route</span> nothing matched on{' '}
                  <code>{result.routeConfiguration}</code>
                </>
              )}
              {outcome?.status ? <> · answers {outcome.status}</> : null}
            </p>
            {outcome?.action?.clusters?.length ? (
              <ul className="plain">
                {outcome.action.clusters.map((c) => (
                  <li key={c.name}>
                    <code>{c.name}</code> weight {c.weight}
                    {c.status ? <span className="badge bad"> answers {c.status}</span> : null}
                  </li>
                ))}
              </ul>
            ) : null}
            {outcome?.action?.location ? (
              <p>
                Redirects to <code>{outcome.action.location}</code>
              </p>
            ) : null}
            <details>
              <summary>Full answer (revision {result.revision})</summary>
              <pre className="code" tabIndex={0} aria-label="The trace's full answer">
                {JSON.stringify(result, null, 2)}
              </pre>
            </details>
          </>
        ) : null}
      </div>
    </div>
  );
}
