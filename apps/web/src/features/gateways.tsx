import { useState } from 'react';
import { Link, navigate, useLocation } from '../components/router.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { loadGateways, type GatewayRow } from '../data/gateways.js';
import { useResource } from '../data/use-resource.js';

const PAGE_SIZE = 20;

function conditionBadge(g: GatewayRow) {
  const programmed =
    g.conditions.find((c) => c.type === 'Programmed') ?? g.conditions.find((c) => c.type === 'Accepted');
  if (!programmed) return <span className="badge">unknown</span>;
  const cls = programmed.status === 'True' ? 'ok' : programmed.status === 'False' ? 'bad' : '';
  return (
    <span className={`badge ${cls}`} title={programmed.message}>
      {programmed.type}={programmed.status}
    </span>
  );
}

/** Gateways: search by name, filter by condition, cursor pagination — all kept in the URL. */
export default function GatewaysPage() {
  const { query } = useLocation();
  const name = query.get('name') ?? '';
  const condition = query.get('condition') ?? '';
  const cursor = query.get('cursor') ?? '';
  const [draft, setDraft] = useState(name);
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (name) params.set('name', name);
  if (condition) params.set('condition', condition);
  if (cursor) params.set('cursor', cursor);
  const key = params.toString();
  const [page, reload] = useResource(key, () =>
    loadGateways(
      { ...(name ? { name } : {}), ...(condition ? { condition } : {}) },
      PAGE_SIZE,
      cursor || null,
    ),
  );
  const go = (next: Record<string, string>) => {
    const q = new URLSearchParams({
      ...(name ? { name } : {}),
      ...(condition ? { condition } : {}),
      ...next,
    });
    for (const [k, v] of [...q]) if (!v) q.delete(k);
    const s = q.toString();
    navigate(`/gateways${s ? `?${s}` : ''}`);
  };
  return (
    <section aria-labelledby="gateways-title">
      <div className="title-row">
        <h1 id="gateways-title">Gateways</h1>
        <Link href="/gateways/new" className="button primary">
          New gateway
        </Link>
      </div>
      <form
        className="inline-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          go({ name: draft, cursor: '' });
        }}
      >
        <label htmlFor="gw-search">Name</label>
        <input id="gw-search" type="search" value={draft} onChange={(e) => setDraft(e.target.value)} />
        <label htmlFor="gw-condition">Condition</label>
        <select
          id="gw-condition"
          value={condition}
          onChange={(e) => go({ condition: e.target.value, cursor: '' })}
        >
          <option value="">any</option>
          <option value="Programmed=True">Programmed</option>
          <option value="Programmed=False">Not programmed</option>
          <option value="Accepted=True">Accepted</option>
          <option value="Accepted=False">Not accepted</option>
        </select>
        <button type="submit">Search</button>
      </form>
      {page.state === 'loading' ? <Loading what="gateways" /> : null}
      {page.state === 'error' ? <ErrorState error={page.error} retry={reload} /> : null}
      {page.state === 'ready' && page.data.items.length === 0 ? (
        <Empty>
          {name || condition ? 'No gateway matches the search.' : 'This account has no gateways yet.'}
        </Empty>
      ) : null}
      {page.state === 'ready' && page.data.items.length > 0 ? (
        <>
          <table className="gateways">
            <caption className="sr-only">Gateways of the account</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Address</th>
                <th scope="col">DNS name</th>
                <th scope="col">Clusters</th>
                <th scope="col">Template</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((g) => (
                <tr key={g.id}>
                  <td>
                    <Link href={`/gateways/${g.id}`}>
                      {g.namespace}/{g.name}
                    </Link>
                  </td>
                  <td>{g.address ?? '—'}</td>
                  <td>{g.dnsName ?? '—'}</td>
                  <td>{g.clients.length}</td>
                  <td>{g.template?.name ?? '—'}</td>
                  <td>{conditionBadge(g)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav className="pager" aria-label="Pages">
            {cursor ? (
              <button type="button" onClick={() => go({ cursor: '' })}>
                First page
              </button>
            ) : null}
            {page.data.nextCursor ? (
              <button type="button" onClick={() => go({ cursor: page.data.nextCursor ?? '' })}>
                Next page
              </button>
            ) : null}
          </nav>
        </>
      ) : null}
    </section>
  );
}
