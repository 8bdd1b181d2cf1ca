import { useEffect, useState } from 'react';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { loadAuditEvents, type AuditEvent } from '../data/pages.js';

type State =
  | { state: 'loading' }
  | { state: 'error'; error: Error }
  | { state: 'ready'; items: AuditEvent[]; next: string | null };

const PAGE = 50;

/** The account's audit log, oldest first, a page at a time. */
export default function AuditLogPage() {
  const [s, setS] = useState<State>({ state: 'loading' });
  const [loading, setLoading] = useState(false);
  const load = (cursor: string | null, before: AuditEvent[]) => {
    setLoading(true);
    loadAuditEvents(PAGE, cursor)
      .then(
        (p) => setS({ state: 'ready', items: [...before, ...p.items], next: p.nextCursor }),
        (error: unknown) =>
          setS({ state: 'error', error: error instanceof Error ? error : new Error(String(error)) }),
      )
      .finally(() => setLoading(false));
  };
  useEffect(() => load(null, []), []);
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      {s.state === 'loading' ? <Loading what="the audit log" /> : null}
      {s.state === 'error' ? <ErrorState error={s.error} retry={() => load(null, [])} /> : null}
      {s.state === 'ready' && s.items.length === 0 ? (
        <Empty>
          <p>Nothing has been changed in this account yet.</p>
        </Empty>
      ) : null}
      {s.state === 'ready' && s.items.length ? (
        <>
          <table data-testid="audit">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Object</th>
                <th scope="col">Request id</th>
              </tr>
            </thead>
            <tbody>
              {s.items.map((e) => (
                <tr key={e.id}>
                  <td>{new Date(e.createdAt).toLocaleString()}</td>
                  <td>{e.actor}</td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>
                    {e.objectKind} <span className="muted">{e.objectId ?? ''}</span>
                  </td>
                  <td className="muted">{e.requestId ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {s.next ? (
            <p>
              <button type="button" disabled={loading} onClick={() => load(s.next, s.items)}>
                {loading ? 'Loading…' : 'Load more'}
              </button>
            </p>
          ) : (
            <p className="muted">{s.items.length} events, the whole log.</p>
          )}
        </>
      ) : null}
    </section>
  );
}
