import { Empty, ErrorState, Loading } from '../components/states.js';
import { loadClusters } from '../data/pages.js';
import { useResource } from '../data/use-resource.js';

/** The workload clusters registered to the account (registered by their agents, read here). */
export default function ClustersPage() {
  const [list, reload] = useResource('clusters', async () => ({ items: await loadClusters() }));
  return (
    <section aria-labelledby="clusters-title">
      <h1 id="clusters-title">Clusters</h1>
      {list.state === 'loading' ? <Loading what="the clusters" /> : null}
      {list.state === 'error' ? <ErrorState error={list.error} retry={reload} /> : null}
      {list.state === 'ready' && list.data.items.length === 0 ? (
        <Empty>
          <p>No workload cluster is registered yet.</p>
          <p className="muted">
            Install the EPIC controller in a cluster with the GatewayClassConfig and Secret from the overview;
            it registers itself here.
          </p>
        </Empty>
      ) : null}
      {list.state === 'ready' && list.data.items.length ? (
        <table data-testid="clusters">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
              <th scope="col">Id</th>
              <th scope="col">Registered</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td>{c.description ?? '—'}</td>
                <td>
                  <code>{c.id}</code>
                </td>
                <td>{new Date(c.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
