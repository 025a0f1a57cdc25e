import { useMemo, useState } from 'preact/hooks';
import { AGENT_ROLES } from '../../../domain/agent-roles.js';
import { TASK_STATUSES, TERMINAL_TASK_STATUSES } from '../../../domain/task-status.js';
import { postJson, query, usePoll } from '../api.js';
import { can, type Session } from '../session.js';
import type { ConsoleSettings, StoredTaskEvent, TaskHistory, TaskView } from '../types.js';
import { ActionButton, Badge, ErrorLine, Json, Loading, Section, When } from '../ui.js';

const TASK_ID = /^[A-Za-z0-9._-]{1,100}$/;

function workflowLink(settings: ConsoleSettings | undefined, workflowId: string): string | undefined {
  if (!settings?.temporalUiUrl) return undefined;
  const base = settings.temporalUiUrl.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(settings.temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Output a sandbox run left in an event's detail, if any: the preview shows its first lines. */
function sandboxOutput(detail: Record<string, unknown>): string | undefined {
  const parts = ['stdout', 'stderr', 'output'].map((k) => detail[k]).filter((v): v is string => typeof v === 'string' && v !== '');
  return parts.length > 0 ? parts.join('\n').split('\n').slice(0, 40).join('\n') : undefined;
}

function TestsRun({ event }: { event: StoredTaskEvent }) {
  const d = event.detail;
  const output = sandboxOutput(d);
  return (
    <div class="sandbox">
      <p>
        Sandbox run <code>{String(d.runId ?? '—')}</code> ({String(d.runtime ?? 'runtime unknown')}): {String(d.passed ?? '?')} passed, {String(d.failed ?? '?')} failed
        {d.found === false ? '; no tests found' : ''}
        {d.timedOut ? '; timed out' : ''}
      </p>
      {output && (
        <pre class="json" aria-label="sandbox output" tabIndex={0}>
          {output}
        </pre>
      )}
    </div>
  );
}

function Timeline({ history }: { history: TaskHistory }) {
  if (history.events.length === 0) return <p>No steps recorded yet.</p>;
  return (
    <ol class="timeline" aria-label="task timeline">
      {history.events.map((e) => (
        <li key={e.seq}>
          <span class="seq">{e.seq}</span> <Badge value={e.kind} /> <code>{e.step}</code> <When at={e.at} />
          {e.kind === 'tests_run' ? (
            <TestsRun event={e} />
          ) : e.kind === 'peer_review' && typeof e.detail.explanation === 'string' ? (
            <p class="explanation">{e.detail.explanation}</p>
          ) : (
            <details>
              <summary>details</summary>
              <Json value={e.detail} label={`details of step ${e.seq}`} />
            </details>
          )}
        </li>
      ))}
    </ol>
  );
}

/** Guidance for the developer agent and cancellation, while the task's workflow still runs. */
function TaskControls({ session, task, onDone }: { session: Session; task: TaskView; onDone: () => void }) {
  const [text, setText] = useState('');
  const [reason, setReason] = useState('');
  const mayGuide = can(session, 'task:guide');
  const mayCancel = can(session, 'task:cancel');
  if (TERMINAL_TASK_STATUSES.has(task.status) || (!mayGuide && !mayCancel)) return null;
  const path = `/tasks/${encodeURIComponent(task.id)}`;
  return (
    <form class="decide" onSubmit={(e) => e.preventDefault()} aria-label="control the running task">
      {mayGuide && (
        <>
          <label>
            Guidance for the developer
            <input value={text} onInput={(e) => setText(e.currentTarget.value)} />
          </label>
          <ActionButton
            label="Send guidance"
            name="guide"
            disabled={text.trim() === ''}
            onRun={async () => {
              await postJson(session, `${path}/guidance`, { text: text.trim() });
              setText('');
              return 'sent';
            }}
          />
        </>
      )}
      {mayCancel && (
        <>
          <label>
            Reason to cancel
            <input value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          <ActionButton
            label="Cancel task"
            name="cancel"
            danger
            onRun={async () => {
              await postJson(session, `${path}/cancel`, reason.trim() ? { reason: reason.trim() } : {});
              onDone();
              return 'cancellation requested';
            }}
          />
        </>
      )}
    </form>
  );
}

function TaskDetail({ session, id, settings }: { session: Session; id: string; settings: ConsoleSettings | undefined }) {
  const task = usePoll<TaskView>(session, `/tasks/${encodeURIComponent(id)}`);
  const history = usePoll<TaskHistory>(session, `/tasks/${encodeURIComponent(id)}/history`);
  const t = task.data;
  const link = t && workflowLink(settings, t.workflowId);
  const explanation = t?.result?.review?.explanation ?? [...(history.data?.events ?? [])].reverse().find((e) => e.kind === 'peer_review')?.detail.explanation;
  return (
    <Section title={`Task ${id}`}>
      <ErrorLine error={task.error ?? history.error} />
      {!t && !task.error && <Loading what="the task" />}
      {t && (
        <dl class="facts">
          <dt>Title</dt>
          <dd>{t.title}</dd>
          <dt>Status</dt>
          <dd data-testid="task-status">
            <Badge value={t.status} />
          </dd>
          <dt>Tenant</dt>
          <dd>{t.tenantId}</dd>
          <dt>Requested by</dt>
          <dd>{t.requestedBy}</dd>
          <dt>Updated</dt>
          <dd>
            <When at={t.updatedAt} />
          </dd>
          <dt>Workflow</dt>
          <dd>
            {link ? (
              <a href={link} target="_blank" rel="noopener noreferrer">
                {t.workflowId} in the Temporal Web UI
              </a>
            ) : (
              <code title="set TEMPORAL_UI_URL for a link">{t.workflowId}</code>
            )}
          </dd>
          {t.result && (
            <>
              <dt>Accepted by</dt>
              <dd>{t.result.acceptedBy ?? '—'}</dd>
              <dt>Solution</dt>
              <dd>{t.result.solution.summary}</dd>
            </>
          )}
          {t.error && (
            <>
              <dt>Error</dt>
              <dd class="error">{t.error}</dd>
            </>
          )}
        </dl>
      )}
      {t && <TaskControls session={session} task={t} onDone={task.refresh} />}
      <h3>Peer review</h3>
      <p class="explanation" data-testid="review-explanation">
        {typeof explanation === 'string' ? explanation : 'No peer review yet.'}
      </p>
      <h3>Timeline</h3>
      {history.data ? <Timeline history={history.data} /> : !history.error && <Loading what="the timeline" />}
    </Section>
  );
}

export function TasksView({ session, settings, selected, onSelect }: { session: Session; settings: ConsoleSettings | undefined; selected: string | undefined; onSelect: (id: string | undefined) => void }) {
  const [status, setStatus] = useState('');
  const [role, setRole] = useState('');
  const [title, setTitle] = useState('');
  const [typed, setTyped] = useState('');
  // Status and the agent role working now are filtered by the API (GET /tasks?status=…&role=…); the tenant is always the token's.
  const tasks = usePoll<{ tasks: TaskView[] }>(session, `/tasks${query({ status: status || undefined, role: role || undefined, limit: 100 })}`, 10_000);
  const shown = useMemo(() => (tasks.data?.tasks ?? []).filter((t) => !title || t.title.toLowerCase().includes(title.toLowerCase())), [tasks.data, title]);
  const typedOk = TASK_ID.test(typed.trim());
  return (
    <>
      <Section title="Tasks">
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            if (typedOk) onSelect(typed.trim());
          }}
        >
          <label>
            Task id
            <input value={typed} onInput={(e) => setTyped(e.currentTarget.value)} placeholder="task-…" aria-describedby="task-id-help" />
          </label>
          <button type="submit" disabled={!typedOk}>
            Open
          </button>
          <span id="task-id-help" class="note">
            Opens any task of your tenant ({session.tenant}).
          </span>
        </form>
        <div class="filters" role="group" aria-label="filters">
          <label>
            Status
            <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
              <option value="">any</option>
              {TASK_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s.replace(/_/g, ' ')}
                </option>
              ))}
            </select>
          </label>
          <label>
            Agent role working now
            <select value={role} onChange={(e) => setRole(e.currentTarget.value)}>
              <option value="">any</option>
              {AGENT_ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <label>
            Title
            <input value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
          </label>
        </div>
        <ErrorLine error={tasks.error} />
        <table>
          <caption class="visually-hidden">The tenant's tasks, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Title</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((t) => (
              <tr key={t.id} aria-selected={t.id === selected}>
                <td>
                  <button type="button" class="link" onClick={() => onSelect(t.id)}>
                    {t.id}
                  </button>
                </td>
                <td>{t.title}</td>
                <td>
                  <Badge value={t.status} />
                </td>
                <td>
                  <When at={t.createdAt} />
                </td>
              </tr>
            ))}
            {shown.length === 0 && (
              <tr>
                <td colSpan={4}>{tasks.data ? 'No tasks match.' : 'Loading…'}</td>
              </tr>
            )}
          </tbody>
        </table>
      </Section>
      {selected && <TaskDetail session={session} id={selected} settings={settings} />}
    </>
  );
}
