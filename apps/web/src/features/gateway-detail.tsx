import { useEffect, useMemo, useRef, useState } from 'react';
import { Link } from '../components/router.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { TopologyGraph } from '../components/topology-graph.js';
import { coalesced, POLL_OFFLINE_MS, RESYNC_LIVE_MS } from '../data/live.js';
import { subscribeGateway, type LiveState } from '../data/subscription.js';
import { loadTopology, loadTopologyOnce, setTopologyWarmer, type TopologyData } from '../data/topology.js';
import type { Gateway } from '../data/types.js';
import { topologyPipeline, type TopologyPipeline } from '../domain/topology/pipeline.js';
import { traceHighlight } from '../domain/topology/trace.js';
import type { NodeKind, PlacedNode } from '../domain/topology/types.js';
import { TraceForm, type TraceResult } from './trace-form.js';

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

const GROUP_THRESHOLD = 5;

/**
 * One memoised pipeline for the gateway on screen: a live update rebuilds only the parts whose objects changed,
 * and a first load's parts are built as they arrive, before the whole answer is in (`setTopologyWarmer`).
 */
let onScreen: { gatewayId: string; run: TopologyPipeline } | null = null;
function pipelineOf(gatewayId: string): TopologyPipeline {
  if (onScreen?.gatewayId !== gatewayId) onScreen = { gatewayId, run: topologyPipeline() };
  return onScreen.run;
}
setTopologyWarmer((gatewayId, part) => pipelineOf(gatewayId).warm(part));

type State = { state: 'loading' } | { state: 'error'; error: Error } | { state: 'ready'; data: TopologyData };

/**
 * The gateway's topology, read again on every `gatewayTopologyChanged` and `gatewayStatusChanged` event and on
 * every reconnect of the socket, coalesced (docs/adr/0801-topology-subscription.md); without events, every
 * minute while live and every few seconds while the socket is down. An answer equal to the last one changes
 * nothing on the page.
 */
function useLiveTopology(id: string): [State, LiveState, () => void] {
  const [state, setState] = useState<State>({ state: 'loading' });
  const [live, setLive] = useState<LiveState>('connecting');
  const last = useRef<TopologyData | null>(null);
  const refresh = useRef<() => void>(() => undefined);
  useEffect(() => {
    let current = true;
    performance.mark('topology:mount');
    last.current = null;
    setState({ state: 'loading' });
    let first = true;
    const loader = coalesced(async () => {
      // Each answer is shared with the last one where equal, so the graph redoes only what changed.
      const answer = first ? loadTopologyOnce(id) : loadTopology(id, last.current ?? undefined);
      first = false;
      try {
        const data = await answer;
        if (!current || data === last.current) return;
        last.current = data;
        // Marks for the benchmark's timeline (BENCH_TIMELINE=1): data read, pipeline done, graph drawn.
        performance.mark('topology:data');
        setState({ state: 'ready', data });
      } catch (error) {
        // A failed refresh keeps the graph it has; only the first load shows the error.
        if (current && last.current === null)
          setState({ state: 'error', error: error instanceof Error ? error : new Error(String(error)) });
      }
    });
    refresh.current = loader.refresh;
    loader.refresh();
    let timer: ReturnType<typeof setInterval> | undefined;
    const every = (ms: number) => {
      if (timer) clearInterval(timer);
      timer = setInterval(loader.refresh, ms);
    };
    every(POLL_OFFLINE_MS);
    const stop = subscribeGateway(id, loader.refresh, (s) => {
      if (!current) return;
      setLive(s);
      if (s === 'live') every(RESYNC_LIVE_MS);
      else if (s === 'offline') every(POLL_OFFLINE_MS);
    });
    return () => {
      current = false;
      loader.stop();
      clearInterval(timer);
      stop();
    };
  }, [id]);
  return [state, live, () => refresh.current()];
}

const HIDEABLE: { kind: NodeKind; label: string }[] = [
  { kind: 'rule', label: 'Rules' },
  { kind: 'backend', label: 'Backends' },
  { kind: 'node', label: 'Nodes' },
  { kind: 'tunnel', label: 'Tunnels' },
];

export default function GatewayDetailPage({ id }: { id: string }) {
  const [topo, live, reload] = useLiveTopology(id);
  const [selected, setSelected] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [hide, setHide] = useState<NodeKind[]>([]);
  const [routeQuery, setRouteQuery] = useState('');
  const [trace, setTrace] = useState<TraceResult | null>(null);

  const input = topo.state === 'ready' ? topo.data.input : null;
  const pipeline = useMemo(() => pipelineOf(id), [id]);
  const result = useMemo(() => {
    if (!input) return null;
    performance.mark('topology:render');
    const r = pipeline(input, { hide, route: routeQuery }, { threshold: GROUP_THRESHOLD, expanded });
    performance.mark('topology:pipeline');
    return r;
  }, [pipeline, input, hide, routeQuery, expanded]);
  const grouped = result?.grouped ?? null;
  const layout = result?.layout ?? null;
  const highlight = useMemo(
    () => (grouped && trace ? traceHighlight(grouped, trace) : null),
    [grouped, trace],
  );

  if (topo.state === 'loading') return <Loading what="the gateway" />;
  if (topo.state === 'error')
    return (
      <section>
        <h1>Gateway</h1>
        <ErrorState error={topo.error} retry={reload} />
        <p>
          <Link href="/gateways">All gateways</Link>
        </p>
      </section>
    );
  const g = topo.data.gateway;
  const node = selected ? (layout?.nodes.find((n) => n.id === selected) ?? null) : null;
  const toggleGroup = (service: string, open: boolean) => {
    const next = new Set(expanded);
    if (open) next.add(service);
    else next.delete(service);
    setExpanded(next);
    setSelected(service);
  };
  return (
    <section aria-labelledby="gw-title">
      <p className="crumbs">
        <Link href="/gateways">Gateways</Link> /
      </p>
      <div className="title-row">
        <h1 id="gw-title">
          {g.namespace}/{g.name}
        </h1>
        <span className={`badge ${live === 'live' ? 'ok' : 'warn'}`} role="status" data-testid="live">
          {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Offline, polling'}
        </span>
        <Link href={`/gateways/${g.id}/revisions`} className="button">
          Revisions
        </Link>
        <Link href={`/gateways/${g.id}/edit`} className="button">
          Edit listeners
        </Link>
        <Link href={`/gateways/${g.id}/routes/new`} className="button primary">
          Add route
        </Link>
      </div>
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

      <h2 id="topology-title">Topology</h2>
      <form
        className="inline-form"
        role="search"
        aria-label="Filter the graph"
        onSubmit={(e) => e.preventDefault()}
      >
        <label htmlFor="route-filter">Routes matching</label>
        <input
          id="route-filter"
          type="search"
          value={routeQuery}
          onChange={(e) => setRouteQuery(e.target.value)}
        />
        <fieldset className="plain-fieldset">
          <legend className="sr-only">Hide columns</legend>
          {HIDEABLE.map((h) => (
            <label key={h.kind}>
              <input
                type="checkbox"
                checked={hide.includes(h.kind)}
                onChange={(e) =>
                  setHide(e.target.checked ? [...hide, h.kind] : hide.filter((k) => k !== h.kind))
                }
              />{' '}
              Hide {h.label.toLowerCase()}
            </label>
          ))}
        </fieldset>
      </form>
      {layout && layout.nodes.length <= 1 + g.listeners.length && input?.routes.length === 0 ? (
        <Empty>
          <p>No routes are attached to this gateway yet: the graph shows only its listeners.</p>
        </Empty>
      ) : null}
      <div className="topology">
        {layout ? (
          <TopologyGraph
            layout={layout}
            title={`Topology of gateway ${g.namespace}/${g.name}`}
            selected={selected}
            onSelect={setSelected}
            highlight={highlight}
          />
        ) : null}
        <NodePanel
          gatewayId={g.id}
          node={node}
          expanded={expanded}
          onToggle={toggleGroup}
          onClose={() => setSelected(null)}
        />
      </div>
      <TraceForm
        gatewayId={g.id}
        listeners={g.listeners}
        defaultHost={firstHostname(input) ?? g.dnsName ?? 'example.com'}
        onResult={setTrace}
      />
    </section>
  );
}

function firstHostname(input: TopologyData['input'] | null): string | undefined {
  for (const r of input?.routes ?? []) {
    const h = (r.spec.hostnames as string[] | undefined)?.find((x) => !x.startsWith('*'));
    if (h) return h;
  }
  return undefined;
}

function NodePanel({
  gatewayId,
  node,
  expanded,
  onToggle,
  onClose,
}: {
  gatewayId: string;
  node: PlacedNode | null;
  expanded: ReadonlySet<string>;
  onToggle: (service: string, open: boolean) => void;
  onClose: () => void;
}) {
  if (!node)
    return (
      <aside className="panel card" aria-label="Node details">
        <p className="muted">Select a node (click it, or Tab to it and press Enter) to see its details.</p>
      </aside>
    );
  const service = node.kind === 'endpoints' ? node.groupOf : node.kind === 'service' ? node.id : undefined;
  return (
    <aside className="panel card" aria-label="Node details" data-testid="node-panel">
      <div className="panel-head">
        <h3>
          <span className="muted">{node.kind}</span> {node.label}
        </h3>
        <button type="button" onClick={onClose} aria-label="Close the details">
          ×
        </button>
      </div>
      <p>
        <span className={`badge ${node.health}`}>{node.health}</span>
        {node.count ? (
          <>
            {' '}
            {node.count.ready} of {node.count.total} endpoints ready
          </>
        ) : null}
      </p>
      <dl className="kv">
        {Object.entries(node.details).map(([k, v]) => (
          <div key={k} className="kv-row">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {node.conditions.length ? (
        <>
          <h4>Conditions</h4>
          <Conditions
            conditions={node.conditions.map((c) => ({
              type: c.type,
              status: c.status as 'True' | 'False' | 'Unknown',
              reason: c.reason ?? '',
              message: c.message ?? '',
            }))}
          />
        </>
      ) : null}
      {node.kind === 'route' ? (
        <Link href={`/gateways/${gatewayId}/routes/${node.id.slice('route:'.length)}`} className="button">
          Edit route
        </Link>
      ) : null}
      {service && node.kind === 'endpoints' ? (
        <button type="button" onClick={() => onToggle(service, true)}>
          Expand {node.count?.total} endpoints
        </button>
      ) : null}
      {service && node.kind === 'service' && expanded.has(service) ? (
        <button type="button" onClick={() => onToggle(service, false)}>
          Collapse endpoints
        </button>
      ) : null}
    </aside>
  );
}
