import { postJson, usePoll } from '../api.js';
import { can, type Session } from '../session.js';
import type { BreakerView } from '../types.js';
import { ActionButton, Badge, ErrorLine, Loading, ReadOnlyNote, Section, When } from '../ui.js';

/** GET /breakers answers a list, bare or under `breakers`. */
function rowsOf(data: unknown): BreakerView[] {
  if (Array.isArray(data)) return data as BreakerView[];
  const wrapped = (data as { breakers?: unknown } | undefined)?.breakers;
  return Array.isArray(wrapped) ? (wrapped as BreakerView[]) : [];
}

const SHOWN = new Set(['name', 'process', 'state', 'failures', 'openedAt']);

export function BreakersView({ session }: { session: Session }) {
  const list = usePoll<unknown>(session, '/breakers');
  const mayReset = can(session, 'breaker:reset');
  const rows = rowsOf(list.data);
  const missing = list.error?.startsWith('404');
  return (
    <Section title="Circuit breakers">
      {!mayReset && <ReadOnlyNote permission="breaker:reset" />}
      {missing ? <p class="note">This API has no breaker routes yet (GET /breakers answered 404).</p> : <ErrorLine error={list.error} />}
      {list.data === undefined && !list.error && <Loading what="circuit breakers" />}
      {list.data !== undefined && (
        <table>
          <thead>
            <tr>
              <th scope="col">Breaker</th>
              <th scope="col">Process</th>
              <th scope="col">State</th>
              <th scope="col">Failures</th>
              <th scope="col">Opened</th>
              <th scope="col">More</th>
              {mayReset && <th scope="col">Action</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((b) => (
              <tr key={`${b.process ?? ''}/${b.name}`} data-breaker={b.name}>
                <td>{b.name}</td>
                <td>{b.process ?? '—'}</td>
                <td>
                  <Badge value={String(b.state)} />
                </td>
                <td>{b.failures ?? '—'}</td>
                <td>
                  <When at={typeof b.openedAt === 'string' ? b.openedAt : null} />
                </td>
                <td>
                  {Object.entries(b)
                    .filter(([k]) => !SHOWN.has(k))
                    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
                    .join('; ')}
                </td>
                {mayReset && (
                  <td>
                    <ActionButton
                      label="Reset"
                      name="reset"
                      disabled={b.state === 'closed'}
                      onRun={async () => {
                        await postJson(session, `/breakers/${encodeURIComponent(b.name)}/reset`, {});
                        list.refresh();
                        return 'reset';
                      }}
                    />
                  </td>
                )}
              </tr>
            ))}
            {rows.length === 0 && (
              <tr>
                <td colSpan={mayReset ? 7 : 6}>No breakers reported.</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </Section>
  );
}

