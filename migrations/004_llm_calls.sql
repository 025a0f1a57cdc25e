-- Every LLM call an agent made, accepted or not: what it cost and what the
-- security layer said. One row per answer round, keyed like the budget's usage
-- (request id + usage attempt), so a repeated record never counts twice.

CREATE TABLE llm_calls (
  request_id        text NOT NULL,
  usage_attempt     integer NOT NULL CHECK (usage_attempt >= 1),
  task_id           text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  tenant_id         text NOT NULL,
  step              text NOT NULL,
  agent_role        text NOT NULL,
  provider          text NOT NULL,
  model             text NOT NULL,
  prompt_tokens     integer NOT NULL CHECK (prompt_tokens >= 0),
  completion_tokens integer NOT NULL CHECK (completion_tokens >= 0),
  -- NULL: the model has no price in LLM_PRICES (unknown, not free).
  cost_usd          numeric(14, 6) CHECK (cost_usd >= 0),
  outcome           text NOT NULL CHECK (outcome IN ('accepted', 'rejected')),
  reject_reason     text,
  duration_ms       integer NOT NULL CHECK (duration_ms >= 0),
  created_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_id, usage_attempt),
  CHECK ((outcome = 'rejected') = (reject_reason IS NOT NULL))
);
CREATE INDEX llm_calls_task_idx ON llm_calls (task_id, created_at);
CREATE INDEX llm_calls_tenant_idx ON llm_calls (tenant_id, created_at DESC);

-- What each task cost so far, for operators and the API.
CREATE VIEW task_costs AS
SELECT task_id,
       tenant_id,
       count(*)                                   AS calls,
       count(*) FILTER (WHERE outcome = 'rejected') AS rejected_calls,
       sum(prompt_tokens + completion_tokens)     AS tokens,
       sum(cost_usd)                              AS cost_usd,
       count(*) FILTER (WHERE cost_usd IS NULL)   AS unpriced_calls
FROM llm_calls
GROUP BY task_id, tenant_id;
