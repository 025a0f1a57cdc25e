import { useState } from 'preact/hooks';
import { postJson, query, usePoll } from '../api.js';
import { can, type Session } from '../session.js';
import type { DeadLetterView } from '../types.js';
import { ActionButton, Badge, ErrorLine, Json, Loading, ReadOnlyNote, Section, When } from '../ui.js';

export function DeadLettersView({ session, onOpenTask }: { session: Session; onOpenTask: (id: string) => void }) {
  const [resolved, setResolved] = useState('false');
  const list = usePoll<{ deadLetters: DeadLetterView[] }>(session, `/dead-letters${query({ resolved, limit: 100 })}`);
  const mayAct = can(session, 'dlq:redrive');
  const decide = (id: number, action: 'redrive' | 'discard') => async () => {
    await postJson(session, `/dead-letters/${id}/${action}`, {});
    list.refresh();
    return action === 'redrive' ? 're-driven' : 'discarded';
  };
  return (
    <Section title="Dead letters">
      <div class="filters">
        <label>
          Show
          <select value={resolved} onChange={(e) => setResolved(e.currentTarget.value)}>
            <option value="false">unresolved</option>
            <option value="true">resolved</option>
            <option value="">all</option>
          </select>
        </label>
      </div>
      {!mayAct && <ReadOnlyNote permission="dlq:redrive" />}
      <ErrorLine error={list.error} />
      {!list.data && !list.error && <Loading what="dead letters" />}
      {list.data?.deadLetters.length === 0 && <p>No dead letters.</p>}
      {list.data?.deadLetters.map((d) => (
        <article class="card" key={d.id} data-dead-letter={d.id} aria-labelledby={`dl-${d.id}`}>
          <h3 id={`dl-${d.id}`}>
            #{d.id} {d.step} <Badge value={d.resolution ?? 'unresolved'} />
          </h3>
          <p>
            {d.attempts} attempts; last error {d.errorType ? <code>{d.errorType}</code> : null}: {d.error}
          </p>
          <p>
            Task{' '}
            {d.taskId ? (
              <button type="button" class="link" onClick={() => onOpenTask(d.taskId!)}>
                {d.taskId}
              </button>
            ) : (
              '—'
            )}{' '}
            (tenant {d.tenantId}), workflow <code>{d.workflowId}</code>, <When at={d.createdAt} />
            {d.resolvedBy && ` — resolved by ${d.resolvedBy}`}
          </p>
          <details>
            <summary>Input of the failed step</summary>
            <Json value={d.data} label={`input of dead letter ${d.id}`} />
          </details>
          {!d.resolved && mayAct && (
            <div class="decide">
              <ActionButton label="Re-drive" name="redrive" onRun={decide(d.id, 'redrive')} />
              <ActionButton label="Discard" name="discard" danger onRun={decide(d.id, 'discard')} />
            </div>
          )}
        </article>
      ))}
    </Section>
  );
}
