import { useState } from 'react';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { createApiKey, loadApiKeys, revokeApiKey } from '../data/pages.js';
import { useSession } from '../data/session.js';
import { useResource } from '../data/use-resource.js';
import { gatewayClassManifest } from '../domain/manifest.js';

export default function OverviewPage() {
  const session = useSession();
  const [ready, reloadReady] = useResource('readyz', async () => {
    const r = await fetch('/readyz');
    return (await r.json()) as { status: string };
  });
  const [keys, reloadKeys] = useResource('keys', async () => ({ items: await loadApiKeys() }));
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [name, setName] = useState('');
  const [failure, setFailure] = useState<Error | null>(null);
  const apiUrl = `${window.location.origin}/api/v1`;
  const canManage = session.role !== 'viewer';
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <div className="grid2">
        <div className="card">
          <h2>Platform status</h2>
          {ready.state === 'loading' ? <Loading what="status" /> : null}
          {ready.state === 'error' ? <ErrorState error={ready.error} retry={reloadReady} /> : null}
          {ready.state === 'ready' ? (
            <p>
              <span className={`badge ${ready.data.status === 'ready' ? 'ok' : 'bad'}`}>
                {ready.data.status}
              </span>
            </p>
          ) : null}
        </div>
        <div className="card">
          <h2>Access</h2>
          <dl className="kv">
            <dt>API URL</dt>
            <dd>
              <code>{apiUrl}</code>
            </dd>
            <dt>GraphQL</dt>
            <dd>
              <code>{window.location.origin}/graphql</code>
            </dd>
            <dt>Account</dt>
            <dd>
              {session.account.displayName} (<code>{session.account.name}</code>)
            </dd>
            <dt>Your role</dt>
            <dd>{session.role}</dd>
          </dl>
        </div>
      </div>
      <div className="card">
        <h2>Service accounts (API keys)</h2>
        {canManage ? (
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              setFailure(null);
              createApiKey(name, 'admin').then(
                (k) => {
                  setCreated({ name: k.name, secret: k.secret });
                  setName('');
                  reloadKeys();
                },
                (err: unknown) => setFailure(err instanceof Error ? err : new Error(String(err))),
              );
            }}
          >
            <label htmlFor="key-name">New key name</label>
            <input
              id="key-name"
              required
              maxLength={100}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
            <button type="submit" className="primary">
              Create key
            </button>
          </form>
        ) : null}
        {failure ? <ErrorState error={failure} /> : null}
        {created ? (
          <div className="callout" role="status">
            <p>
              Key <strong>{created.name}</strong> created. Its secret is shown only now:
            </p>
            <pre className="code" tabIndex={0} aria-label="The new key's secret">
              {created.secret}
            </pre>
          </div>
        ) : null}
        {keys.state === 'loading' ? <Loading what="API keys" /> : null}
        {keys.state === 'error' ? <ErrorState error={keys.error} retry={reloadKeys} /> : null}
        {keys.state === 'ready' && keys.data.items.length === 0 ? <Empty>No API keys yet.</Empty> : null}
        {keys.state === 'ready' && keys.data.items.length > 0 ? (
          <table>
            <caption className="sr-only">API keys of the account</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.prefix}</code>
                  </td>
                  <td>{k.role}</td>
                  <td>{new Date(k.createdAt).toLocaleString()}</td>
                  <td>{k.lastUsedAt ? new Date(k.lastUsedAt).toLocaleString() : '—'}</td>
                  <td>
                    {k.revokedAt ? (
                      <span className="badge">revoked</span>
                    ) : canManage ? (
                      <button
                        type="button"
                        aria-label={`Revoke key ${k.name}`}
                        onClick={() => {
                          if (window.confirm(`Revoke the key "${k.name}"? Clients using it stop working.`))
                            revokeApiKey(k.id).then(reloadKeys, (err: unknown) =>
                              setFailure(err instanceof Error ? err : new Error(String(err))),
                            );
                        }}
                      >
                        Revoke
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
      <div className="card">
        <h2>Connect a cluster</h2>
        <p className="muted">
          Apply this in the workload cluster (a GatewayClassConfig and the Secret with the key).
        </p>
        <pre className="code" tabIndex={0} aria-label="GatewayClassConfig and Secret manifest">
          {gatewayClassManifest({
            apiUrl,
            account: session.account.name,
            keyName: created?.name ?? 'cluster-key',
            ...(created ? { secret: created.secret } : {}),
          })}
        </pre>
      </div>
    </section>
  );
}
