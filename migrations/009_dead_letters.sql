-- Dead letters, in the seed's `dlq_messages` shape so its runbook SQL works
-- verbatim. A row is written when a workflow step exhausts its retries; the
-- workflow then waits for a re-drive or a discard.
--   original_subject = '<workflow id>/<step>', data = the step's input reference.

CREATE TABLE dlq_messages (
  id                bigserial PRIMARY KEY,
  original_subject  text NOT NULL,
  data              jsonb NOT NULL,
  error             text NOT NULL,
  attempts          integer NOT NULL CHECK (attempts >= 1),
  resolved          boolean NOT NULL DEFAULT false,
  created_at        timestamptz NOT NULL DEFAULT now(),
  -- Beyond the seed: who it belongs to and how it ended.
  tenant_id         text NOT NULL,
  task_id           text REFERENCES tasks (id) ON DELETE CASCADE,
  workflow_id       text NOT NULL,
  step              text NOT NULL,
  error_type        text,
  resolution        text CHECK (resolution IN ('redriven', 'discarded', 'task_cancelled', 'expired')),
  resolved_by       text,
  resolved_at       timestamptz,
  -- One dead letter per failed step run: a retried recording activity finds its own row.
  UNIQUE (workflow_id, step)
);
CREATE INDEX dlq_messages_open_idx ON dlq_messages (resolved, created_at DESC);
CREATE INDEX dlq_messages_tenant_idx ON dlq_messages (tenant_id, created_at DESC);
