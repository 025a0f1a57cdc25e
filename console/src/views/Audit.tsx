import { useState } from 'preact/hooks';
import { getJson, query, usePoll } from '../api.js';
import type { Session } from '../session.js';
import type { AuditChainReport, AuditPage } from '../types.js';
import { ActionButton, Badge, ErrorLine, Json, Loading, Section, When } from '../ui.js';

export function AuditView({ session }: { session: Session }) {
  const [action, setAction] = useState('');
  const [actor, setActor] = useState('');
  const [outcome, setOutcome] = useState('');
  const [before, setBefore] = useState<number | undefined>(undefined);
  const page = usePoll<AuditPage>(session, `/audit${query({ action, actor, outcome, before, limit: 50 })}`, 10_000);
  const filter = (set: (v: string) => void) => (e: Event) => {
    set((e.currentTarget as HTMLInputElement).value);
    setBefore(undefined);
  };
  return (
    <Section
      title="Audit log"
      actions={
        <ActionButton
          label="Verify the chain"
          name="verify"
          onRun={async () => {
            const r = await getJson<AuditChainReport>(session, '/audit/verify');
            if (!r.intact) throw new Error(`broken: ${r.problems.join('; ')}`);
            return `intact: ${r.entries} entries, head #${r.headSeq}`;
          }}
        />
      }
    >
      <div class="filters">
        <label>
          Action
          <input value={action} onChange={filter(setAction)} placeholder="e.g. escalation:resolve" />
        </label>
        <label>
          Actor
          <input value={actor} onChange={filter(setActor)} />
        </label>
        <label>
          Outcome
          <select value={outcome} onChange={filter(setOutcome)}>
            <option value="">any</option>
            <option value="allowed">allowed</option>
            <option value="denied">denied</option>
            <option value="failed">failed</option>
          </select>
        </label>
      </div>
      <ErrorLine error={page.error} />
      {!page.data && !page.error && <Loading what="the audit log" />}
      {page.data && (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Resource</th>
                <th scope="col">Outcome</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {page.data.entries.map((e) => (
                <tr key={e.seq}>
                  <td>{e.seq}</td>
                  <td>
                    <When at={e.at} />
                  </td>
                  <td>
                    {e.actor ?? '—'} {e.role ? `(${e.role})` : ''}
                  </td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>{e.resource ?? '—'}</td>
                  <td>
                    <Badge value={e.outcome} />
                  </td>
                  <td>
                    <details>
                      <summary>detail</summary>
                      <Json value={e.detail} label={`detail of entry ${e.seq}`} />
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="pager">
            {before !== undefined && (
              <button type="button" onClick={() => setBefore(undefined)}>
                Newest
              </button>
            )}
            {page.data.next !== null && (
              <button type="button" onClick={() => setBefore(page.data!.next!)}>
                Older
              </button>
            )}
          </div>
        </>
      )}
    </Section>
  );
}
