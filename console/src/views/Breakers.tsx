import { postJson, usePoll } from '../api.js';
import { can, type Session } from '../session.js';
import type { BreakerList } from '../types.js';
import { ActionButton, Badge, ErrorLine, Loading, ReadOnlyNote, Section, When } from '../ui.js';

const at = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function BreakersView({ session }: { session: Session }) {
  const list = usePoll<BreakerList>(session, '/breakers');
  const mayReset = can(session, 'breaker:reset');
  const rows = list.data?.breakers ?? [];
  // A reset goes to every process at once, so one button per breaker name.
  const firstOfName = new Set(rows.map((b, i) => (rows.findIndex((o) => o.name === b.name) === i ? i : -1)));
  return (
    <Section title="Circuit breakers">
      {!mayReset && <ReadOnlyNote permission="breaker:reset" />}
      <ErrorLine error={list.error} />
      {!list.data && !list.error && <Loading what="circuit breakers" />}
      {list.data && (
        <>
          <p>
            {list.data.processes.length} process{list.data.processes.length === 1 ? '' : 'es'} reporting:{' '}
            {list.data.processes.map((p) => `${p.process} (${p.service})`).join(', ') || 'none'}.
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Breaker</th>
                <th scope="col">Process</th>
                <th scope="col">State</th>
                <th scope="col">Failures (total)</th>
                <th scope="col">Open since</th>
                <th scope="col">Last failure</th>
                {mayReset && <th scope="col">Action</th>}
              </tr>
            </thead>
            <tbody>
              {rows.map((b, i) => (
                <tr key={`${b.name}/${b.process}`} data-breaker={b.name}>
                  <td>{b.name}</td>
                  <td>
                    {b.process} ({b.service})
                  </td>
                  <td>
                    <Badge value={b.state} />
                    {b.stuck && <strong class="error"> stuck</strong>}
                  </td>
                  <td>
                    {b.failures} ({b.totalFailures} of {b.totalFailures + b.totalSuccesses})
                  </td>
                  <td>
                    {b.openedAt === null ? (
                      '—'
                    ) : (
                      <>
                        <When at={at(b.openedAt)} /> ({b.openSeconds} s)
                      </>
                    )}
                  </td>
                  <td>
                    {b.lastFailureAt === null ? '—' : <When at={at(b.lastFailureAt)} />} {b.lastFailureMessage ?? ''}
                  </td>
                  {mayReset && (
                    <td>
                      {firstOfName.has(i) && (
                        <ActionButton
                          label={`Reset ${b.name}`}
                          name="reset"
                          onRun={async () => {
                            const res = await postJson<{ processes: number }>(session, `/breakers/${encodeURIComponent(b.name)}/reset`, {});
                            list.refresh();
                            return `sent to ${res.processes} process${res.processes === 1 ? '' : 'es'}`;
                          }}
                        />
                      )}
                    </td>
                  )}
                </tr>
              ))}
              {rows.length === 0 && (
                <tr>
                  <td colSpan={mayReset ? 7 : 6}>No process reports a breaker.</td>
                </tr>
              )}
            </tbody>
          </table>
        </>
      )}
    </Section>
  );
}
