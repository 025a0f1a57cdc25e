import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Permission } from '../../domain/roles.js';
import { ROLES } from '../../domain/roles.js';
import { clearCache } from './api.js';
import { can, readToken, savedSession, saveSession, type Session } from './session.js';
import type { ConsoleSettings } from './types.js';
import { AuditView } from './views/Audit.js';
import { BreakersView } from './views/Breakers.js';
import { BudgetsView } from './views/Budgets.js';
import { DeadLettersView } from './views/DeadLetters.js';
import { EscalationsView } from './views/Escalations.js';
import { PromptsView } from './views/Prompts.js';
import { TasksView } from './views/Tasks.js';

const VIEWS = [
  { id: 'tasks', label: 'Tasks', permission: 'task:read' },
  { id: 'escalations', label: 'Escalations', permission: 'escalation:read' },
  { id: 'prompts', label: 'Prompt updates', permission: 'prompt:read' },
  { id: 'budgets', label: 'Budgets', permission: 'budget:read' },
  { id: 'dead-letters', label: 'Dead letters', permission: 'dlq:read' },
  { id: 'breakers', label: 'Circuit breakers', permission: 'breaker:read' },
  { id: 'audit', label: 'Audit log', permission: 'audit:read' },
] as const satisfies readonly { id: string; label: string; permission: Permission }[];
type ViewId = (typeof VIEWS)[number]['id'];

/** The view and its argument from the address: #/tasks/<id>, #/escalations, … */
function parseHash(hash: string): { view: ViewId | undefined; arg: string | undefined } {
  const [view, ...rest] = hash.replace(/^#\/?/, '').split('/');
  const known = VIEWS.find((v) => v.id === view)?.id;
  return { view: known, arg: rest.length > 0 && rest[0] ? decodeURIComponent(rest.join('/')) : undefined };
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function SignIn({ onSignIn }: { onSignIn: (s: Session) => void }) {
  const [raw, setRaw] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  return (
    <main id="main" class="signin">
      <h1>Operator console</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const s = readToken(raw);
          if (typeof s === 'string') setError(s);
          else onSignIn(s);
        }}
      >
        <label for="token">Access token (JWT)</label>
        <textarea id="token" name="token" rows={5} value={raw} onInput={(e) => setRaw(e.currentTarget.value)} aria-describedby="token-help" autoComplete="off" spellcheck={false} required />
        <p id="token-help" class="note">
          Mint one with <code>golden token --role operator --tenant &lt;tenant&gt; --subject &lt;you&gt;</code>. It is kept in this tab only.
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

function Console({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const hash = useHash();
  const [settings, setSettings] = useState<ConsoleSettings | undefined>(undefined);
  useEffect(() => {
    fetch('/console/settings.json')
      .then((r) => (r.ok ? (r.json() as Promise<ConsoleSettings>) : undefined))
      .then(setSettings, () => setSettings(undefined));
  }, []);
  const allowed = VIEWS.filter((v) => can(session, v.permission));
  const parsed = parseHash(hash);
  const view = allowed.find((v) => v.id === parsed.view)?.id ?? allowed[0]?.id;
  const go = (id: ViewId, arg?: string) => {
    location.hash = `#/${id}${arg ? `/${encodeURIComponent(arg)}` : ''}`;
  };
  const openTask = (id: string) => go('tasks', id);
  const actions = ROLES[session.role].permissions.filter((p) => !p.endsWith(':read'));
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <h1>Operator console</h1>
        <p class="who" data-testid="who">
          {session.sub} · {session.role} · tenant {session.tenant}
          {actions.length === 0 ? ' · read only' : ''}
        </p>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <nav aria-label="views">
        <ul>
          {allowed.map((v) => (
            <li key={v.id}>
              <a href={`#/${v.id}`} aria-current={v.id === view ? 'page' : undefined}>
                {v.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {view === undefined && <p>Your role can read none of the console’s views.</p>}
        {view === 'tasks' && <TasksView session={session} settings={settings} selected={parsed.view === 'tasks' ? parsed.arg : undefined} onSelect={(id) => go('tasks', id)} />}
        {view === 'escalations' && <EscalationsView session={session} onOpenTask={openTask} />}
        {view === 'prompts' && <PromptsView session={session} />}
        {view === 'budgets' && <BudgetsView session={session} />}
        {view === 'dead-letters' && <DeadLettersView session={session} onOpenTask={openTask} />}
        {view === 'breakers' && <BreakersView session={session} />}
        {view === 'audit' && <AuditView session={session} />}
      </main>
    </>
  );
}

function App() {
  const [session, setSession] = useState<Session | undefined>(savedSession);
  const change = (s: Session | undefined) => {
    if (!s) clearCache();
    saveSession(s);
    setSession(s);
  };
  return session ? <Console session={session} onSignOut={() => change(undefined)} /> : <SignIn onSignIn={change} />;
}

render(<App />, document.getElementById('app')!);
