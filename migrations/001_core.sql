-- Core tables: tasks, the artifacts agents produce for them, and the audit trail.
-- Large data (code, outputs) lives here; workflow payloads carry only references.

CREATE TABLE tasks (
  id            text PRIMARY KEY,
  tenant_id     text NOT NULL,
  title         text NOT NULL,
  description   text NOT NULL,
  language      text NOT NULL,
  status        text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
  workflow_id   text NOT NULL UNIQUE,
  requested_by  text NOT NULL,
  result        jsonb,
  error         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_tenant_created_idx ON tasks (tenant_id, created_at DESC);

-- One row per (task, step): a retried activity rewrites its own row instead of adding one.
CREATE TABLE task_solutions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  task_id       text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  tenant_id     text NOT NULL,
  step          text NOT NULL,
  agent_role    text NOT NULL,
  provider      text NOT NULL,
  model         text NOT NULL,
  summary       text NOT NULL,
  files         jsonb NOT NULL,
  tests         jsonb NOT NULL,
  prompt_tokens integer NOT NULL CHECK (prompt_tokens >= 0),
  completion_tokens integer NOT NULL CHECK (completion_tokens >= 0),
  attempt       integer NOT NULL CHECK (attempt >= 1),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (task_id, step)
);

CREATE TABLE audit_log (
  id            bigserial PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  tenant_id     text,
  actor         text,
  role          text,
  action        text NOT NULL,
  resource      text,
  outcome       text NOT NULL CHECK (outcome IN ('allowed', 'denied', 'failed')),
  request_id    text,
  detail        jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_tenant_at_idx ON audit_log (tenant_id, at DESC);
