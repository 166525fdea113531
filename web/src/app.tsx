// The console's frame: sign-in when there is no session, otherwise the header (pages, who, theme,
// sign out), the page for the URL, and the keyboard help.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { ApiError, api, setCsrfToken, whenSignedOut } from './api/client.ts';
import { installKeyboard } from './keyboard.ts';
import { KEYS } from './lib/keys.ts';
import { keyFromPath } from './lib/search.ts';
import { startLive, useLive } from './live.ts';
import { CasesPage } from './pages/cases.tsx';
import { CommandsPage } from './pages/commands.tsx';
import { DetectionPage } from './pages/detection.tsx';
import { DetectionsPage } from './pages/detections.tsx';
import { DevicesPage } from './pages/devices.tsx';
import { IncidentsPage } from './pages/incidents.tsx';
import { InstancesPage } from './pages/instances.tsx';
import { ReportsPage } from './pages/reports.tsx';
import { SignIn } from './pages/signin.tsx';
import { SinksPage } from './pages/sinks.tsx';
import { navigate, useLocation } from './router.ts';
import { MeContext, useMe } from './session.ts';
import { useTheme } from './theme.ts';

export function App() {
  const me = useMe();
  const qc = useQueryClient();
  useEffect(() => whenSignedOut(() => qc.setQueryData(['me'], null)), [qc]);
  if (me.isPending) return <p className="loading">Loading…</p>;
  if (!me.data) {
    const failed = me.error instanceof ApiError && me.error.status !== 401 ? me.error.message : undefined;
    return <SignIn problem={failed} />;
  }
  return (
    <MeContext.Provider value={me.data}>
      <Shell />
    </MeContext.Provider>
  );
}

function Shell() {
  const { path } = useLocation();
  const me = useMe().data!;
  const qc = useQueryClient();
  const [theme, toggleTheme] = useTheme();
  const help = useRef<HTMLDialogElement>(null);
  const live = useLive();

  useEffect(() => {
    if (path === '/') navigate('/instances', { replace: true });
  }, [path]);
  useEffect(() => startLive(qc), [qc]);
  useEffect(
    () =>
      installKeyboard({
        help: () => (help.current?.open ? help.current.close() : help.current?.showModal()),
        search: () => {
          if (location.pathname !== '/detections') navigate(`/detections${location.search}`);
          requestAnimationFrame(() => document.getElementById('search')?.focus());
        },
      }),
    [],
  );

  const signOut = async () => {
    await api('/api/auth/logout', { method: 'POST' }).catch(() => undefined);
    setCsrfToken(undefined);
    qc.clear();
    qc.setQueryData(['me'], null);
  };

  const key = keyFromPath(path);
  const page = path.startsWith('/detections')
    ? key
      ? 'detection'
      : 'detections'
    : path.startsWith('/sinks')
      ? 'sinks'
      : path.startsWith('/incidents')
        ? 'incidents'
        : path.startsWith('/commands')
          ? 'commands'
          : path.startsWith('/devices')
            ? 'devices'
            : path.startsWith('/cases')
              ? 'cases'
              : path.startsWith('/reports')
                ? 'reports'
                : 'instances';
  const link = (to: string, label: string, current: boolean) => (
    <a
      href={to}
      aria-current={current ? 'page' : undefined}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {label}
    </a>
  );

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">darktrace-hub</span>
        <nav aria-label="Pages">
          {link('/instances', 'Instances', page === 'instances')}
          {link('/detections', 'Detections', page === 'detections' || page === 'detection')}
          {link('/incidents', 'Incidents', page === 'incidents')}
          {link('/commands', 'Commands', page === 'commands')}
          {link('/sinks', 'Sinks', page === 'sinks')}
          {link('/devices', 'Devices', page === 'devices')}
          {link('/cases', 'Cases', page === 'cases')}
          {link('/reports', 'Reports', page === 'reports')}
        </nav>
        <span className="spacer" />
        <span
          className="live"
          data-live={live}
          title={
            live ? 'Updates arrive as they happen' : 'The live stream is reconnecting: pages poll meanwhile'
          }
        >
          <span className="dot" aria-hidden="true" />
          {live ? 'Live' : 'Reconnecting…'}
        </span>
        <span className="who">
          {me.user} <span className="role">{me.role}</span>
        </span>
        <button type="button" className="ghost" onClick={() => help.current?.showModal()}>
          Keys <kbd>?</kbd>
        </button>
        <button
          type="button"
          className="ghost"
          onClick={toggleTheme}
          aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
        >
          {theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </button>
        <button type="button" className="ghost" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main">
        {page === 'instances' && <InstancesPage />}
        {page === 'detections' && <DetectionsPage />}
        {page === 'detection' && <DetectionPage id={key!} />}
        {page === 'incidents' && <IncidentsPage />}
        {page === 'commands' && <CommandsPage />}
        {page === 'sinks' && <SinksPage />}
        {page === 'devices' && <DevicesPage />}
        {page === 'cases' && <CasesPage />}
        {page === 'reports' && <ReportsPage />}
      </main>
      <dialog ref={help} className="help" aria-labelledby="help-title">
        <h2 id="help-title">Keyboard</h2>
        <dl>
          {KEYS.map((k) => (
            <div key={k.key}>
              <dt>
                <kbd>{k.key}</kbd>
              </dt>
              <dd>{k.does}</dd>
            </div>
          ))}
        </dl>
        <form method="dialog">
          <button type="submit">Close</button>
        </form>
      </dialog>
    </>
  );
}
