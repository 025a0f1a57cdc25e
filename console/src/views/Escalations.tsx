import { useState } from 'preact/hooks';
import { ESCALATION_ACTIONS, ESCALATION_STATUSES, type EscalationAction } from '../../../domain/escalation.js';
import { postJson, query, usePoll } from '../api.js';
import { can, type Session } from '../session.js';
import type { EscalationView } from '../types.js';
import { Badge, ErrorLine, Json, Loading, ReadOnlyNote, Section, When } from '../ui.js';

const ACTION_HELP: Record<EscalationAction, string> = {
  accept: 'accept the solution as it is; the task completes',
  revise: 'send the developer back with guidance',
  abort: 'stop the task',
};

function ResolveForm({ session, escalation, onDone }: { session: Session; escalation: EscalationView; onDone: (text: string) => void }) {
  const [action, setAction] = useState<EscalationAction>('accept');
  const [comment, setComment] = useState('');
  const [guidance, setGuidance] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const id = escalation.id;
  const ready = comment.trim() !== '' && (action !== 'revise' || guidance.trim() !== '');
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setOutcome(undefined);
    try {
      const body = { action, comment: comment.trim(), ...(action === 'revise' ? { guidance: guidance.trim() } : {}) };
      await postJson(session, `/escalations/${encodeURIComponent(id)}/resolve`, body);
      setOutcome({ ok: true, text: `resolved: ${action}` });
      onDone(`${id} resolved: ${action}`);
    } catch (err) {
      setOutcome({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="resolve" onSubmit={(e) => void submit(e)} aria-label={`resolve ${id}`}>
      <fieldset>
        <legend>Decision</legend>
        {ESCALATION_ACTIONS.map((a) => (
          <label key={a} class="inline">
            <input type="radio" name={`action-${id}`} value={a} checked={action === a} onChange={() => setAction(a)} /> {a} <span class="note">({ACTION_HELP[a]})</span>
          </label>
        ))}
      </fieldset>
      <label>
        Comment (required)
        <textarea required value={comment} onInput={(e) => setComment(e.currentTarget.value)} rows={2} />
      </label>
      {action === 'revise' && (
        <label>
          Guidance for the developer (required to revise)
          <textarea required value={guidance} onInput={(e) => setGuidance(e.currentTarget.value)} rows={2} />
        </label>
      )}
      <button type="submit" disabled={!ready || busy}>
        {busy ? 'Resolving…' : 'Resolve'}
      </button>
      {outcome && (
        <span role="status" class={outcome.ok ? 'ok' : 'error'}>
          {outcome.text}
        </span>
      )}
    </form>
  );
}

function Escalation({ session, escalation, onDone, onOpenTask }: { session: Session; escalation: EscalationView; onDone: (text: string) => void; onOpenTask: (id: string) => void }) {
  const plan = escalation.synthesis;
  const open = escalation.status === 'awaiting_human';
  return (
    <article class="card" aria-labelledby={`esc-${escalation.id}`} data-escalation={escalation.id}>
      <h3 id={`esc-${escalation.id}`}>
        {escalation.id} <Badge value={escalation.status} />
      </h3>
      <p>
        Reason <strong>{escalation.reason.replace(/_/g, ' ')}</strong> on task{' '}
        <button type="button" class="link" onClick={() => onOpenTask(escalation.taskId)}>
          {escalation.taskId}
        </button>{' '}
        (tenant {escalation.tenantId}), raised <When at={escalation.createdAt} />
      </p>
      <h4>Supervisor’s proposed plan</h4>
      {plan ? (
        <>
          <p>
            Confidence {Math.round(plan.confidence * 100)} %. {plan.reasoning}
          </p>
          <ol>
            {plan.action_plan.map((step, i) => (
              <li key={i}>
                <strong>{step.action}</strong>
                {step.target ? ` → ${step.target}` : ''}: {step.reason}
              </li>
            ))}
          </ol>
        </>
      ) : (
        <p>The supervisor proposed no plan.</p>
      )}
      <details>
        <summary>Context</summary>
        <Json value={escalation.context} label={`context of ${escalation.id}`} />
      </details>
      {escalation.decision && (
        <p>
          Decided by {escalation.decision.decidedBy} ({escalation.decision.source}): <strong>{escalation.decision.action}</strong> — {escalation.decision.comment}
        </p>
      )}
      {open && (can(session, 'escalation:resolve') ? <ResolveForm session={session} escalation={escalation} onDone={onDone} /> : <ReadOnlyNote permission="escalation:resolve" />)}
    </article>
  );
}

export function EscalationsView({ session, onOpenTask }: { session: Session; onOpenTask: (id: string) => void }) {
  const [status, setStatus] = useState<string>('awaiting_human');
  const list = usePoll<{ escalations: EscalationView[] }>(session, `/escalations${query({ status, limit: 100 })}`);
  const [resolved, setResolved] = useState<string | undefined>(undefined);
  // A resolved escalation leaves the "awaiting human" list at the refresh: the outcome is announced above the list.
  const onDone = (text: string) => {
    setResolved(text);
    list.refresh();
  };
  return (
    <Section title="Escalations">
      <div class="filters">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">any</option>
            {ESCALATION_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p role="status" class="ok" data-testid="decision">
        {resolved}
      </p>
      <ErrorLine error={list.error} />
      {!list.data && !list.error && <Loading what="escalations" />}
      {list.data?.escalations.length === 0 && <p>No escalations{status ? ` ${status.replace(/_/g, ' ')}` : ''}.</p>}
      {list.data?.escalations.map((e) => <Escalation key={e.id} session={session} escalation={e} onDone={onDone} onOpenTask={onOpenTask} />)}
    </Section>
  );
}
