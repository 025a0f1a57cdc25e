import { useState } from 'preact/hooks';
import { query, usePoll } from '../api.js';
import { can, type Session } from '../session.js';
import type { BudgetStatus, ReservationView } from '../types.js';
import { ActionButton, Badge, ErrorLine, Loading, Section, When } from '../ui.js';

const tokens = (n: number) => n.toLocaleString();

/** PUT, which postJson does not send: only the limit form uses it. */
async function putLimit(session: Session, tenant: string, totalLimit: number): Promise<BudgetStatus> {
  const res = await fetch(`/budgets/${encodeURIComponent(tenant)}/limit`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ totalLimit }),
  });
  const body = (await res.json()) as BudgetStatus & { title?: string; detail?: string };
  if (!res.ok) throw new Error(`${res.status} ${body.title ?? ''}${body.detail ? `: ${body.detail}` : ''}`);
  return body;
}

export function BudgetsView({ session }: { session: Session }) {
  // A token reads its own tenant's budget only (the API answers 404 for any other).
  const tenant = session.tenant;
  const budget = usePoll<BudgetStatus>(session, `/budgets/${encodeURIComponent(tenant)}`);
  const reservations = usePoll<{ reservations: ReservationView[] }>(session, `/budgets/${encodeURIComponent(tenant)}/reservations${query({ state: 'held', limit: 50 })}`, 10_000);
  const [limit, setLimit] = useState('');
  const b = budget.data;
  const used = b ? b.reserved + b.committed : 0;
  const newLimit = Number(limit);
  return (
    <Section title={`Budget of tenant ${tenant}`}>
      <ErrorLine error={budget.error} />
      {!b && !budget.error && <Loading what="the budget" />}
      {b && (
        <>
          <label class="meter">
            Used {tokens(used)} of {tokens(b.totalLimit)} tokens this {b.period}
            <meter min={0} max={Math.max(b.totalLimit, 1)} low={b.totalLimit * 0.7} high={b.totalLimit * 0.9} optimum={0} value={used} />
          </label>
          <dl class="facts">
            <dt>Committed</dt>
            <dd>{tokens(b.committed)}</dd>
            <dt>Reserved (held by running calls)</dt>
            <dd>{tokens(b.reserved)}</dd>
            <dt>Remaining</dt>
            <dd data-testid="budget-remaining">{tokens(b.remaining)}</dd>
            <dt>Period started</dt>
            <dd>
              <When at={b.periodStart} />
            </dd>
          </dl>
          {can(session, 'budget:manage') && (
            <form class="filters" onSubmit={(e) => e.preventDefault()}>
              <label>
                New limit (tokens)
                <input type="number" min={0} step={1} value={limit} onInput={(e) => setLimit(e.currentTarget.value)} />
              </label>
              <ActionButton
                label="Set limit"
                disabled={limit === '' || !Number.isInteger(newLimit) || newLimit < 0}
                onRun={async () => {
                  const after = await putLimit(session, tenant, newLimit);
                  budget.refresh();
                  return `limit now ${tokens(after.totalLimit)}`;
                }}
              />
            </form>
          )}
        </>
      )}
      <h3>Held reservations</h3>
      <ErrorLine error={reservations.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Request</th>
            <th scope="col">Held</th>
            <th scope="col">Consumed</th>
            <th scope="col">State</th>
            <th scope="col">Expires</th>
          </tr>
        </thead>
        <tbody>
          {reservations.data?.reservations.map((r) => (
            <tr key={r.requestId}>
              <td>
                <code>{r.requestId}</code>
              </td>
              <td>{tokens(r.held)}</td>
              <td>{tokens(r.consumed)}</td>
              <td>
                <Badge value={r.state} />
              </td>
              <td>
                <When at={r.expiresAt} />
              </td>
            </tr>
          ))}
          {reservations.data?.reservations.length === 0 && (
            <tr>
              <td colSpan={5}>No tokens held right now.</td>
            </tr>
          )}
        </tbody>
      </table>
    </Section>
  );
}
