import { useEffect, useState } from 'preact/hooks';
import { currentSession, logout, type Session } from './api.js';
import { Login } from './Login.js';
import { ServicesView } from './ServicesView.js';
import { TimelineView } from './TimelineView.js';
import { AuditView } from './AuditView.js';
import { FleetView } from './FleetView.js';

type View = 'services' | 'timeline' | 'audit' | 'fleet';

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [view, setView] = useState<View>('services');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    currentSession().then(setSession, (e: Error) => setError(e.message));
  }, []);

  if (error) return <p role="alert" class="error">Cannot reach hearthd: {error}</p>;
  if (session === undefined) return <p class="muted">Loading…</p>;
  if (session === null) return <Login onLogin={setSession} failed={new URLSearchParams(location.search).has('login')} />;

  const tab = (v: View, label: string) => (
    <button type="button" class={view === v ? 'tab active' : 'tab'} aria-current={view === v ? 'page' : undefined} onClick={() => setView(v)}>
      {label}
    </button>
  );
  return (
    <div class="shell">
      <header>
        <h1>hearth</h1>
        <nav aria-label="Views">
          {tab('services', 'Services')}
          {tab('timeline', 'Boot timeline')}
          {tab('audit', 'Audit')}
          {tab('fleet', 'Fleet')}
        </nav>
        <span class="muted">{session.role === 'readonly' ? 'read-only' : ''}</span>
        <button type="button" onClick={() => logout().then(() => setSession(null))}>
          Log out
        </button>
      </header>
      <main>
        {view === 'services' && <ServicesView readOnly={session.role === 'readonly'} />}
        {view === 'timeline' && <TimelineView />}
        {view === 'audit' && <AuditView />}
        {view === 'fleet' && <FleetView readOnly={session.role === 'readonly'} />}
      </main>
    </div>
  );
}
