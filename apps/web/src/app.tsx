import {
  createElement,
  lazy,
  Suspense,
  useCallback,
  useEffect,
  useState,
  type ComponentType,
  type ReactNode,
} from 'react';
import { PageBoundary } from './components/page-boundary.js';
import { Link, navigate, useLocation } from './components/router.js';
import { ErrorState, Loading } from './components/states.js';
import { ThemeToggle } from './components/theme.js';
import { fetchSession, SessionContext, signOut, type SessionInfo } from './data/session.js';
import { prefetchTopology } from './data/topology.js';
import { SignInPage } from './features/sign-in.js';

/**
 * A page in its own chunk, shown through React.lazy until its chunk has loaded and directly after: a lazy page
 * always suspends on its first render, and React 19 then holds the page back until 300 ms after its fallback was
 * shown (its Suspense throttle), even when the chunk was there long before. Each mount keeps the component it
 * started with (switching would remount the page).
 */
function page<P extends object>(load: () => Promise<{ default: ComponentType<P> }>) {
  let loaded: ComponentType<P> | null = null;
  let loading: Promise<unknown> | null = null;
  const preload = () =>
    (loading ??= load().then((m) => {
      loaded = m.default;
      return m;
    }));
  const Lazy = lazy(() => preload() as Promise<{ default: ComponentType<P> }>);
  function Page(props: P) {
    const [C] = useState<ComponentType<P>>(() => loaded ?? Lazy);
    return createElement(C, props);
  }
  return Object.assign(Page, { preload });
}

// Each page is its own chunk: the first page (sign-in or overview) never loads the graph code.
const OverviewPage = page(() => import('./features/overview.js'));
const GatewaysPage = page(() => import('./features/gateways.js'));
const GatewayDetailPage = page(() => import('./features/gateway-detail.js'));
const RevisionsPage = page(() => import('./features/revisions.js'));
const GatewayEditorPage = page(() => import('./features/gateway-editor.js'));
const RouteEditorPage = page(() => import('./features/route-editor.js'));
const TemplatesPage = page(() => import('./features/templates.js'));
const AddressPoolsPage = page(() => import('./features/address-pools.js'));
const ClustersPage = page(() => import('./features/clusters.js'));
const AuditLogPage = page(() => import('./features/audit-log.js'));
// A gateway's page opened by URL starts loading its chunk beside the session request, not after it, and the
// session's answer waits for it (so the page is drawn without a fallback in between).
const opened = /^\/gateways\/([0-9a-f-]{36})$/.exec(window.location.pathname);
const openedChunk = opened ? GatewayDetailPage.preload().catch(() => undefined) : null;
if (opened) prefetchTopology(opened[1]!);

type SessionState =
  { state: 'loading' } | { state: 'error'; error: Error } | { state: 'ready'; session: SessionInfo | null };

export function App() {
  const { path } = useLocation();
  const [session, setSession] = useState<SessionState>({ state: 'loading' });
  const refresh = useCallback(() => {
    fetchSession().then(
      // The first answer waits for the chunk of a gateway page opened by URL (requested beside it).
      (s) => void (openedChunk ?? Promise.resolve()).then(() => setSession({ state: 'ready', session: s })),
      (error: unknown) =>
        setSession({ state: 'error', error: error instanceof Error ? error : new Error(String(error)) }),
    );
  }, []);
  useEffect(refresh, [refresh]);

  if (session.state === 'loading')
    return (
      <Shell>
        <Loading what="your session" />
      </Shell>
    );
  if (session.state === 'error')
    return (
      <Shell>
        <ErrorState error={session.error} retry={refresh} />
      </Shell>
    );
  if (!session.session || path === '/sign-in')
    return (
      <Shell>
        <SignInPage
          signedIn={session.session !== null}
          onSignedIn={() => {
            refresh();
            navigate('/');
          }}
        />
      </Shell>
    );
  const s = session.session;
  return (
    <SessionContext.Provider value={s}>
      <Shell
        nav={
          <>
            <NavLink href="/" current={path === '/'}>
              Overview
            </NavLink>
            <NavLink href="/gateways" current={path.startsWith('/gateways')}>
              Gateways
            </NavLink>
            <NavLink href="/templates" current={path === '/templates'}>
              Templates
            </NavLink>
            <NavLink href="/address-pools" current={path === '/address-pools'}>
              Address pools
            </NavLink>
            <NavLink href="/clusters" current={path === '/clusters'}>
              Clusters
            </NavLink>
            <NavLink href="/audit" current={path === '/audit'}>
              Audit log
            </NavLink>
          </>
        }
        user={
          <>
            <span className="who">
              {s.user.login} · <span className="muted">{s.account.name}</span>
            </span>
            <button
              type="button"
              onClick={() => {
                void signOut().then(() => {
                  navigate('/sign-in');
                  refresh();
                });
              }}
            >
              Sign out
            </button>
          </>
        }
      >
        <PageBoundary key={path}>
          <Suspense fallback={<Loading what="the page" />}>{route(path)}</Suspense>
        </PageBoundary>
      </Shell>
    </SessionContext.Provider>
  );
}

function route(path: string): ReactNode {
  if (path === '/') return <OverviewPage />;
  if (path === '/gateways') return <GatewaysPage />;
  if (path === '/gateways/new') return <GatewayEditorPage />;
  if (path === '/templates') return <TemplatesPage />;
  if (path === '/address-pools') return <AddressPoolsPage />;
  if (path === '/clusters') return <ClustersPage />;
  if (path === '/audit') return <AuditLogPage />;
  const edit = /^\/gateways\/([0-9a-f-]{36})\/edit$/.exec(path);
  if (edit) return <GatewayEditorPage id={edit[1]!} />;
  const newRoute = /^\/gateways\/([0-9a-f-]{36})\/routes\/new$/.exec(path);
  if (newRoute) return <RouteEditorPage gatewayId={newRoute[1]!} />;
  const editRoute = /^\/gateways\/([0-9a-f-]{36})\/routes\/([0-9a-f-]{36})$/.exec(path);
  if (editRoute) return <RouteEditorPage gatewayId={editRoute[1]!} routeId={editRoute[2]!} />;
  const m = /^\/gateways\/([0-9a-f-]{36})$/.exec(path);
  if (m) return <GatewayDetailPage id={m[1]!} />;
  const revs = /^\/gateways\/([0-9a-f-]{36})\/revisions$/.exec(path);
  if (revs) return <RevisionsPage id={revs[1]!} />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link href="/">Back to the overview</Link>.
      </p>
    </section>
  );
}

function NavLink({ href, current, children }: { href: string; current: boolean; children: ReactNode }) {
  return (
    <Link href={href} aria-current={current ? 'page' : undefined} className="nav-link">
      {children}
    </Link>
  );
}

function Shell({ nav, user, children }: { nav?: ReactNode; user?: ReactNode; children: ReactNode }) {
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link href="/" className="brand">
          EPIC <span className="muted">Gateway Service Manager</span>
        </Link>
        <nav aria-label="Main">{nav}</nav>
        <div className="top-right">
          {user}
          <ThemeToggle />
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
