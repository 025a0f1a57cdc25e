-- The task pipeline: the statuses a task passes through while its workflow runs
-- guards, auto-fix, peer review and escalations; its timeline of events; the
-- security agent's reviews of each solution version; and escalations.

ALTER TABLE tasks DROP CONSTRAINT tasks_status_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_status_check CHECK (status IN (
  'queued', 'running', 'reviewing', 'escalated', 'dead_lettered',
  'completed', 'failed', 'cancelled', 'discarded'
));
CREATE INDEX tasks_tenant_status_idx ON tasks (tenant_id, status);

-- The task's timeline. `seq` is assigned by the workflow (deterministic), so a
-- retried activity rewrites its own event instead of adding a second one.
CREATE TABLE task_events (
  task_id     text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  seq         integer NOT NULL CHECK (seq >= 1),
  tenant_id   text NOT NULL,
  kind        text NOT NULL,
  step        text NOT NULL,
  detail      jsonb NOT NULL DEFAULT '{}'::jsonb,
  at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (task_id, seq)
);

-- One security review per (task, step); the guards read the verdict on the exact solution version.
CREATE TABLE security_reviews (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  task_id       text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  tenant_id     text NOT NULL,
  solution_id   uuid NOT NULL REFERENCES task_solutions (id) ON DELETE CASCADE,
  step          text NOT NULL,
  approved      boolean NOT NULL,
  findings      jsonb NOT NULL,
  provider      text NOT NULL,
  model         text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (task_id, step)
);

-- An EscalationWorkflow's record (id = its workflow id, escalation-<task>-<n>).
CREATE TABLE escalations (
  id            text PRIMARY KEY,
  task_id       text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  tenant_id     text NOT NULL,
  seq           integer NOT NULL CHECK (seq >= 1),
  reason        text NOT NULL,
  context       jsonb NOT NULL DEFAULT '{}'::jsonb,
  status        text NOT NULL CHECK (status IN ('open', 'awaiting_human', 'auto_applied', 'resolved', 'failed')),
  synthesis     jsonb,
  decision      jsonb,
  decided_by    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  resolved_at   timestamptz,
  UNIQUE (task_id, seq)
);
CREATE INDEX escalations_tenant_status_idx ON escalations (tenant_id, status, created_at DESC);
