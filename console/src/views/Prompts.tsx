import { useState } from 'preact/hooks';
import { PROMPT_UPDATE_STATUSES } from '../../../domain/governance.js';
import { postJson, query, usePoll } from '../api.js';
import { diffLines } from '../diff.js';
import { can, type Session } from '../session.js';
import type { ActivePrompt, GovernanceStatusRow, PromptUpdateView } from '../types.js';
import { ActionButton, Badge, ErrorLine, Loading, ReadOnlyNote, Section, When } from '../ui.js';

function Diff({ before, after }: { before: string; after: string }) {
  const lines = diffLines(before, after);
  return (
    <pre class="diff" aria-label="differences from the current prompt" tabIndex={0}>
      {lines.map((l, i) => (
        <div key={i} class={`diff-${l.kind}`}>
          <span aria-hidden="true">{l.kind === 'added' ? '+ ' : l.kind === 'removed' ? '- ' : '  '}</span>
          <span class="visually-hidden">{l.kind === 'same' ? '' : `${l.kind}: `}</span>
          {l.text}
        </div>
      ))}
    </pre>
  );
}

function Update({ session, update, onDecided }: { session: Session; update: PromptUpdateView; onDecided: (text: string) => void }) {
  const [comment, setComment] = useState('');
  const [open, setOpen] = useState(false);
  const current = usePoll<ActivePrompt>(session, open ? `/prompts/${update.agentRole}` : undefined, 30_000);
  const decide = (verb: 'approve' | 'reject') => async () => {
    const res = await postJson<{ status: string }>(session, `/prompts/updates/${encodeURIComponent(update.id)}/${verb}`, comment.trim() ? { comment: comment.trim() } : {});
    const text = `now ${res.status.replace(/_/g, ' ')}`;
    // The decided update leaves a filtered list at the next refresh: the outcome is announced above the list too.
    onDecided(`${update.agentRole} update ${update.id}: ${text}`);
    return text;
  };
  const waiting = update.status === 'pending_approval';
  return (
    <article class="card" data-update={update.id} aria-labelledby={`pu-${update.id}`}>
      <h3 id={`pu-${update.id}`}>
        {update.agentRole}: {update.id} <Badge value={update.status} />
      </h3>
      <p>
        Proposed by {update.proposedBy} ({update.source}) on version {update.baseVersion}, <When at={update.createdAt} />; expires <When at={update.expiresAt} />.
      </p>
      <p>Reason: {update.reason}</p>
      {update.appliedVersion !== null && <p data-testid="applied-version">Applied as version {update.appliedVersion}.</p>}
      {update.decidedBy && (
        <p>
          Decided by {update.decidedBy}
          {update.decisionComment ? `: ${update.decisionComment}` : ''}
        </p>
      )}
      <details onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
        <summary>Changes against the current prompt</summary>
        <ErrorLine error={current.error} />
        {open && !current.data && !current.error && <Loading what="the current prompt" />}
        {current.data &&
          (update.body !== undefined ? (
            <>
              <p>
                Current version {current.data.version}
                {current.data.version !== update.baseVersion ? ` (the proposal was made on version ${update.baseVersion})` : ''}.
              </p>
              <Diff before={current.data.body} after={update.body} />
            </>
          ) : (
            <>
              <p>The API does not return a proposal’s text, so no diff can be shown; current version {current.data.version}:</p>
              <pre class="json" tabIndex={0}>
                {current.data.body}
              </pre>
            </>
          ))}
      </details>
      {waiting &&
        (can(session, 'prompt:approve') ? (
          <div class="decide">
            <label>
              Comment
              <input value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
            </label>
            <ActionButton label="Approve" name="approve" onRun={decide('approve')} />
            <ActionButton label="Reject" name="reject" danger onRun={decide('reject')} />
          </div>
        ) : (
          <ReadOnlyNote permission="prompt:approve" />
        ))}
    </article>
  );
}

export function PromptsView({ session }: { session: Session }) {
  const [status, setStatus] = useState('pending_approval');
  const list = usePoll<{ updates: PromptUpdateView[] }>(session, `/prompts/updates${query({ status, limit: 100 })}`);
  const governance = usePoll<{ roles: GovernanceStatusRow[] }>(session, '/prompts/governance', 15_000);
  const [decided, setDecided] = useState<string | undefined>(undefined);
  const onDecided = (text: string) => {
    setDecided(text);
    list.refresh();
    governance.refresh();
  };
  return (
    <>
      <Section title="Prompt updates">
        <div class="filters">
          <label>
            Status
            <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
              <option value="">any</option>
              {PROMPT_UPDATE_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s.replace(/_/g, ' ')}
                </option>
              ))}
            </select>
          </label>
        </div>
        <p role="status" class="ok" data-testid="decision">
          {decided}
        </p>
        <ErrorLine error={list.error} />
        {!list.data && !list.error && <Loading what="prompt updates" />}
        {list.data?.updates.length === 0 && <p>No prompt updates{status ? ` ${status.replace(/_/g, ' ')}` : ''}.</p>}
        {list.data?.updates.map((u) => <Update key={u.id} session={session} update={u} onDecided={onDecided} />)}
      </Section>
      <Section title="Governance per role">
        <ErrorLine error={governance.error} />
        <table>
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Version</th>
              <th scope="col">Pending</th>
              <th scope="col">Updates today</th>
              <th scope="col">Approval</th>
              <th scope="col">Cooldown left</th>
            </tr>
          </thead>
          <tbody>
            {governance.data?.roles.map((r) => (
              <tr key={r.agentRole}>
                <td>{r.agentRole}</td>
                <td>{r.promptVersion}</td>
                <td>{r.pendingApprovals}</td>
                <td>
                  {r.updatesToday} / {r.maxUpdatesPerDay}
                </td>
                <td>{r.requiresApproval ? 'required' : 'automatic'}</td>
                <td>{r.cooldownRemainingSeconds} s</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </>
  );
}
