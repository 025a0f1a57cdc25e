import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

export function ErrorLine({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

export function Loading({ what }: { what: string }) {
  return <p aria-live="polite">Loading {what}…</p>;
}

export function When({ at }: { at: string | null | undefined }) {
  if (!at) return <span>—</span>;
  return <time dateTime={at}>{new Date(at).toLocaleString()}</time>;
}

export function Badge({ value }: { value: string }) {
  return <span class={`badge badge-${value.replace(/[^a-z_]/gi, '')}`}>{value.replace(/_/g, ' ')}</span>;
}

export function Json({ value, label }: { value: unknown; label: string }) {
  return (
    <pre class="json" aria-label={label} tabIndex={0}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

/** A button whose click runs an API call: disabled while it runs, the outcome announced next to it. */
export function ActionButton(props: { label: string; onRun: () => Promise<string | void>; danger?: boolean; disabled?: boolean; name?: string }) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const run = async () => {
    setBusy(true);
    setOutcome(undefined);
    try {
      const text = await props.onRun();
      setOutcome({ ok: true, text: text || 'done' });
    } catch (err) {
      setOutcome({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button type="button" class={props.danger ? 'danger' : undefined} disabled={busy || props.disabled} onClick={() => void run()} data-action={props.name ?? props.label}>
        {busy ? `${props.label}…` : props.label}
      </button>
      {outcome && (
        <span role="status" class={outcome.ok ? 'ok' : 'error'}>
          {outcome.text}
        </span>
      )}
    </span>
  );
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section aria-labelledby={`h-${title.replace(/\W+/g, '-')}`}>
      <div class="section-head">
        <h2 id={`h-${title.replace(/\W+/g, '-')}`}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

/** Shown where an action would be, so a read-only user knows why there is none. */
export function ReadOnlyNote({ permission }: { permission: string }) {
  return <p class="note">Your role cannot act here (needs {permission}).</p>;
}
