import { Link } from '../components/router.js';
import { ErrorState, Loading } from '../components/states.js';
import { api } from '../data/api.js';
import type { Gateway } from '../data/types.js';
import { useResource } from '../data/use-resource.js';

export function Conditions({ conditions }: { conditions: Gateway['conditions'] }) {
  if (!conditions.length) return <p className="muted">No conditions reported yet.</p>;
  return (
    <ul className="conditions plain">
      {conditions.map((c) => (
        <li key={c.type}>
          <span className={`badge ${c.status === 'True' ? 'ok' : c.status === 'False' ? 'bad' : ''}`}>
            {c.type}={c.status}
          </span>{' '}
          <span className="muted">{c.reason}</span> {c.message}
        </li>
      ))}
    </ul>
  );
}

export default function GatewayDetailPage({ id }: { id: string }) {
  const [gw, reload] = useResource(`gw:${id}`, () => api.get<Gateway>(`/gateways/${id}`));
  if (gw.state === 'loading') return <Loading what="the gateway" />;
  if (gw.state === 'error')
    return (
      <section>
        <h1>Gateway</h1>
        <ErrorState error={gw.error} retry={reload} />
        <p>
          <Link href="/gateways">All gateways</Link>
        </p>
      </section>
    );
  const g = gw.data;
  return (
    <section aria-labelledby="gw-title">
      <p className="crumbs">
        <Link href="/gateways">Gateways</Link> /
      </p>
      <h1 id="gw-title">
        {g.namespace}/{g.name}
      </h1>
      <dl className="kv">
        <dt>Address</dt>
        <dd>{g.address ?? '—'}</dd>
        <dt>DNS name</dt>
        <dd>{g.dnsName ?? '—'}</dd>
        <dt>Template</dt>
        <dd>{g.template?.name ?? '—'}</dd>
        <dt>Generation</dt>
        <dd>
          {g.generation} (observed {g.observedGeneration})
        </dd>
      </dl>
      <h2>Conditions</h2>
      <Conditions conditions={g.conditions} />
    </section>
  );
}
