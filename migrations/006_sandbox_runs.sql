-- One row per sandbox execution: the run's outcome and its full output (up
-- to SANDBOX_OUTPUT_LIMIT per stream). Workflows carry only the run id and a
-- short preview, so large output never enters workflow history.
CREATE TABLE sandbox_runs (
  run_id            text PRIMARY KEY,
  tenant_id         text NOT NULL,
  language          text NOT NULL,
  runtime           text NOT NULL CHECK (runtime IN ('runc', 'runsc')),
  warm              boolean NOT NULL,
  exit_code         integer NOT NULL,
  tests_passed      integer NOT NULL CHECK (tests_passed >= 0),
  tests_failed      integer NOT NULL CHECK (tests_failed >= 0),
  tests_found       boolean NOT NULL,
  timed_out         boolean NOT NULL,
  oom_killed        boolean NOT NULL,
  output_truncated  boolean NOT NULL,
  cancelled         boolean NOT NULL,
  duration_ms       integer NOT NULL CHECK (duration_ms >= 0),
  stdout            text NOT NULL,
  stderr            text NOT NULL,
  -- A retried activity runs the code again; the row keeps the latest attempt.
  attempts          integer NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sandbox_runs_tenant_idx ON sandbox_runs (tenant_id, created_at DESC);
