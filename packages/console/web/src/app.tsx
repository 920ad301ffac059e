import { lazy, Suspense } from 'preact/compat';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { logout, me } from './api';
import { LabPage } from './pages/lab';
import { LoginPage } from './pages/login';
import { NodePage } from './pages/node';
import { RackPage } from './pages/rack';
import { TimelinePage } from './pages/timeline';
import { hrefLabs, hrefTimeline, type Route, useRoute } from './route';
import { RackStore } from './store';
import type { User } from './types';

// xterm.js is most of the bundle: loaded when a serial console is first opened, not for the rack's first paint
const SerialPage = lazy(() => import('./pages/serial').then((m) => ({ default: m.SerialPage })));

/** Re-renders the caller whenever the store changed (at most once a frame). */
export function useStore(store: RackStore): number {
  const [, setVersion] = useState(store.version);
  useEffect(() => store.subscribe(() => setVersion(store.version)), [store]);
  return store.version;
}

function Shell({ user, onLogout }: { user: User; onLogout: () => void }) {
  const route = useRoute();
  const store = useMemo(() => new RackStore(), []);
  const [error, setError] = useState('');
  useEffect(() => {
    store.start().catch((e: Error) => setError(e.message));
    return () => store.stop();
  }, [store]);
  useStore(store);
  const firstPaint = useRef(true);
  useEffect(() => {
    document.title = `${titleOf(route, store)} - bmc-emu console`;
    // after a page change, focus goes to the new content (as a screen reader expects); not on the first paint
    if (!firstPaint.current) document.getElementById('main')?.focus({ preventScroll: true });
    firstPaint.current = false;
  }, [route.page, (route as { id?: string }).id]);
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">bmc-emu</span>
        <nav aria-label="Pages">
          <a href="#/" aria-current={route.page === 'rack' || route.page === 'node' ? 'page' : undefined}>
            Rack
          </a>
          <a href={hrefTimeline()} aria-current={route.page === 'timeline' ? 'page' : undefined}>
            Timeline
          </a>
          <a href={hrefLabs()} aria-current={route.page === 'labs' ? 'page' : undefined}>
            Labs
          </a>
        </nav>
        <span class="live" role="status" title="live updates">
          <span class={store.connected ? 'dot on' : 'dot'} aria-hidden="true" />
          {store.connected ? 'live' : 'connecting'}
        </span>
        <span class="who">
          {user.userName} <span class="role">{user.role}</span>
        </span>
        <button type="button" class="ghost" onClick={onLogout}>
          Log out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {route.page === 'rack' && <RackPage store={store} />}
        {route.page === 'node' && <NodePage store={store} id={route.id} user={user} />}
        {route.page === 'serial' && (
          <Suspense fallback={<p>Loading the terminal...</p>}>
            <SerialPage store={store} id={route.id} user={user} />
          </Suspense>
        )}
        {route.page === 'timeline' && <TimelinePage store={store} node={route.node} kind={route.kind} />}
        {route.page === 'labs' && <LabPage store={store} />}
      </main>
    </>
  );
}

function titleOf(route: Route, store: RackStore): string {
  if (route.page === 'node') return store.nodes.get(route.id)?.name ?? 'Node';
  if (route.page === 'serial') return `Serial console ${store.nodes.get(route.id)?.name ?? ''}`;
  if (route.page === 'timeline') return 'Timeline';
  if (route.page === 'labs') return 'Labs';
  return 'Rack';
}

export function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  useEffect(() => {
    me().then(
      (r) => setUser(r.user),
      () => setUser(null),
    );
  }, []);
  if (user === undefined) return <p class="loading">Loading...</p>;
  if (user === null) return <LoginPage onLogin={setUser} />;
  return <Shell user={user} onLogout={() => void logout().finally(() => setUser(null))} />;
}
