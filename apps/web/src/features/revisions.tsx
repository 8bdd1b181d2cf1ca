import { useEffect, useRef, useState } from 'react';
import { Link, navigate, useLocation } from '../components/router.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { rollback } from '../data/pages.js';
import { useSession } from '../data/session.js';
import { loadDiff, loadRevisions } from '../data/revisions.js';
import type { EnvoyResource, Revision } from '../data/types.js';
import { useResource } from '../data/use-resource.js';
import { diffLines, foldUnchanged } from '../domain/line-diff.js';

const PAGE = 20;
const STATUS_CLASS: Record<Revision['status'], string> = { acked: 'ok', pending: 'warn', tainted: 'bad' };
const STATUS_LABEL: Record<Revision['status'], string> = {
  acked: 'served',
  pending: 'pending',
  tainted: 'tainted',
};

/** `type.googleapis.com/envoy.config.cluster.v3.Cluster` → `Cluster`. */
const shortType = (typeUrl: string) => typeUrl.split('.').at(-1) ?? typeUrl;

function resourceOf(rev: Revision | undefined, typeUrl: string, name: string): unknown {
  for (const group of Object.values(rev?.resources ?? {}))
    for (const r of group) if (r.typeUrl === typeUrl && r.name === name) return (r as EnvoyResource).resource;
  return undefined;
}

const lines = (v: unknown) => (v === undefined ? [] : JSON.stringify(v, null, 2).split('\n'));

/**
 * Revisions of a gateway: the timeline (newest first, tainted and NACKed ones with their error), a side-by-side
 * diff of any two (chosen in the timeline, kept in the URL) and rollback with confirmation.
 */
export default function RevisionsPage({ id }: { id: string }) {
  const { query } = useLocation();
  const session = useSession();
  const before = query.get('before') ?? '';
  const [tick, setTick] = useState(0);
  const [page, reload] = useResource(`revs:${id}:${before}:${tick}`, () =>
    loadRevisions(id, PAGE, before ? Number(before) : null),
  );
  const items = page.state === 'ready' ? page.data.items : [];
  const from = Number(query.get('from') ?? items[1]?.version ?? 0);
  const to = Number(query.get('to') ?? items[0]?.version ?? 0);
  const [confirming, setConfirming] = useState<Revision | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const canRollback = session.role !== 'viewer';

  const select = (side: 'from' | 'to', v: number) => {
    const q = new URLSearchParams(window.location.search);
    q.set('from', String(side === 'from' ? v : from));
    q.set('to', String(side === 'to' ? v : to));
    navigate(`/gateways/${id}/revisions?${q.toString()}`);
  };
  const name =
    page.state === 'ready' ? `${page.data.gateway.namespace}/${page.data.gateway.name}` : 'gateway';

  return (
    <section aria-labelledby="revs-title">
      <p className="crumbs">
        <Link href="/gateways">Gateways</Link> / <Link href={`/gateways/${id}`}>{name}</Link> /
      </p>
      <h1 id="revs-title">Revisions of {name}</h1>
      {done ? (
        <p className="callout" role="status">
          {done}
        </p>
      ) : null}
      {page.state === 'loading' ? <Loading what="the revisions" /> : null}
      {page.state === 'error' ? <ErrorState error={page.error} retry={reload} /> : null}
      {page.state === 'ready' && items.length === 0 ? (
        <Empty>
          <p>No revision yet: the gateway has not been rendered into an Envoy configuration.</p>
        </Empty>
      ) : null}
      {items.length ? (
        <>
          <table className="revisions">
            <caption className="sr-only">Configuration revisions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Notes</th>
                <th scope="col">Compare from</th>
                <th scope="col">Compare to</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((r, i) => (
                <tr
                  key={r.version}
                  data-version={r.version}
                  className={r.status === 'tainted' ? 'tainted' : ''}
                >
                  <th scope="row">v{r.version}</th>
                  <td>
                    <span className={`badge ${STATUS_CLASS[r.status]}`}>{STATUS_LABEL[r.status]}</span>
                  </td>
                  <td>{new Date(r.createdAt).toLocaleString()}</td>
                  <td>
                    {r.rollbackOf ? <span className="muted">rollback to v{r.rollbackOf}. </span> : null}
                    {r.error ? <span className="error-text">{r.error}</span> : null}
                  </td>
                  <td>
                    <input
                      type="radio"
                      name="from"
                      aria-label={`Compare from v${r.version}`}
                      checked={from === r.version}
                      onChange={() => select('from', r.version)}
                    />
                  </td>
                  <td>
                    <input
                      type="radio"
                      name="to"
                      aria-label={`Compare to v${r.version}`}
                      checked={to === r.version}
                      onChange={() => select('to', r.version)}
                    />
                  </td>
                  <td>
                    {canRollback && !(i === 0 && !before) ? (
                      <button type="button" onClick={() => setConfirming(r)}>
                        Roll back to v{r.version}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav className="pager" aria-label="Pages">
            {before ? (
              <button type="button" onClick={() => navigate(`/gateways/${id}/revisions`)}>
                Newest
              </button>
            ) : null}
            {page.state === 'ready' && page.data.nextBefore ? (
              <button
                type="button"
                onClick={() => navigate(`/gateways/${id}/revisions?before=${page.data.nextBefore}`)}
              >
                Older revisions
              </button>
            ) : null}
          </nav>
        </>
      ) : null}
      {from && to && from !== to ? <Diff gatewayId={id} from={from} to={to} /> : null}
      <RollbackDialog
        gatewayId={id}
        revision={confirming}
        onClose={() => setConfirming(null)}
        onDone={(r) => {
          setConfirming(null);
          setDone(`Rolled back: v${r.version} serves the configuration of v${r.rollbackOf ?? '?'} again.`);
          setTick((t) => t + 1);
          navigate(`/gateways/${id}/revisions?from=${r.rollbackOf ?? r.version}&to=${r.version}`);
        }}
      />
    </section>
  );
}

function Diff({ gatewayId, from, to }: { gatewayId: string; from: number; to: number }) {
  const [data, reload] = useResource(`diff:${gatewayId}:${from}:${to}`, () => loadDiff(gatewayId, from, to));
  return (
    <section aria-labelledby="diff-title" className="diff" data-testid="diff">
      <h2 id="diff-title">
        Changes from v{from} to v{to}
      </h2>
      {data.state === 'loading' ? <Loading what="the diff" /> : null}
      {data.state === 'error' ? <ErrorState error={data.error} retry={reload} /> : null}
      {data.state === 'ready' && data.data.diff.changes.length === 0 ? (
        <Empty>
          <p>
            v{from} and v{to} configure the proxies identically.
          </p>
        </Empty>
      ) : null}
      {data.state === 'ready'
        ? data.data.diff.changes.map((c) => {
            const rows = foldUnchanged(
              diffLines(
                lines(resourceOf(data.data.a, c.typeUrl, c.name)),
                lines(resourceOf(data.data.b, c.typeUrl, c.name)),
              ),
            );
            return (
              <article
                key={`${c.typeUrl} ${c.name}`}
                className="card change"
                aria-label={`${shortType(c.typeUrl)} ${c.name}`}
              >
                <h3>
                  <span
                    className={`badge ${c.change === 'added' ? 'ok' : c.change === 'removed' ? 'bad' : 'warn'}`}
                  >
                    {c.change}
                  </span>{' '}
                  {shortType(c.typeUrl)} <code>{c.name}</code>
                </h3>
                {c.paths?.length ? (
                  <p className="muted">
                    Changed: {c.paths.slice(0, 8).join(', ')}
                    {c.paths.length > 8 ? ` and ${c.paths.length - 8} more` : ''}
                  </p>
                ) : null}
                <div className="side-by-side" role="table" aria-label={`v${from} and v${to} side by side`}>
                  <div role="row" className="sbs-head">
                    <span role="columnheader">v{from}</span>
                    <span role="columnheader">v{to}</span>
                  </div>
                  {rows.map((r, i) =>
                    r.kind === 'skipped' ? (
                      <div role="row" key={i} className="sbs-row skipped">
                        <span role="cell">… {r.count} unchanged lines</span>
                        <span role="cell" />
                      </div>
                    ) : (
                      <div role="row" key={i} className={`sbs-row ${r.kind}`}>
                        <span role="cell" className="l">
                          {r.left ? (
                            <>
                              <span className="ln" aria-hidden="true">
                                {r.left.n}
                              </span>
                              {r.left.text}
                            </>
                          ) : null}
                        </span>
                        <span role="cell" className="r">
                          {r.right ? (
                            <>
                              <span className="ln" aria-hidden="true">
                                {r.right.n}
                              </span>
                              {r.right.text}
                            </>
                          ) : null}
                        </span>
                      </div>
                    ),
                  )}
                </div>
              </article>
            );
          })
        : null}
    </section>
  );
}

function RollbackDialog({
  gatewayId,
  revision,
  onClose,
  onDone,
}: {
  gatewayId: string;
  revision: Revision | null;
  onClose: () => void;
  onDone: (r: Revision) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (revision && !d.open) {
      setError(null);
      d.showModal();
    }
    if (!revision && d.open) d.close();
  }, [revision]);
  return (
    <dialog ref={ref} aria-labelledby="rollback-title" onClose={onClose} className="card dialog">
      {revision ? (
        <>
          <h2 id="rollback-title">Roll back to v{revision.version}?</h2>
          <p>
            The proxies will be served the configuration of v{revision.version} again, as a new revision. It
            stays until the gateway&apos;s routes or endpoints change.
          </p>
          {revision.status === 'tainted' ? (
            <p className="callout">This revision is tainted{revision.error ? `: ${revision.error}` : ''}.</p>
          ) : null}
          {error ? <ErrorState error={error} /> : null}
          <p>
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() => {
                setBusy(true);
                rollback(gatewayId, revision.version).then(
                  (r) => {
                    setBusy(false);
                    onDone(r);
                  },
                  (e: unknown) => {
                    setBusy(false);
                    setError(e instanceof Error ? e : new Error(String(e)));
                  },
                );
              }}
            >
              {busy ? 'Rolling back…' : `Roll back to v${revision.version}`}
            </button>{' '}
            <button type="button" onClick={onClose} autoFocus>
              Cancel
            </button>
          </p>
        </>
      ) : null}
    </dialog>
  );
}
