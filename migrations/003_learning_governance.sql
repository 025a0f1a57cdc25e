-- Learning governance: agent prompts with versions, per-role rules for
-- changing them, and the seed's functions and view (its runbook works
-- verbatim in psql). Every rule is decided here, under the role's row lock,
-- so concurrent proposals can never exceed a role's daily limit or land
-- inside its cooldown.

CREATE TABLE learning_governance (
  agent_role           text PRIMARY KEY CHECK (agent_role IN ('developer', 'tester', 'reviewer', 'security', 'architect', 'supervisor')),
  max_updates_per_day  integer NOT NULL CHECK (max_updates_per_day >= 0),
  cooldown             interval NOT NULL CHECK (cooldown >= interval '0'),
  requires_approval    boolean NOT NULL,
  -- When the role's prompt last changed by an applied update (NULL: never).
  last_update_at       timestamptz,
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- The seed's rules; tester is a safe role like developer, supervisor is as critical as security.
INSERT INTO learning_governance (agent_role, max_updates_per_day, cooldown, requires_approval) VALUES
  ('security',   1, interval '24 hours', true),
  ('developer',  5, interval '2 hours',  false),
  ('reviewer',   3, interval '4 hours',  false),
  ('architect',  2, interval '12 hours', true),
  ('tester',     5, interval '2 hours',  false),
  ('supervisor', 1, interval '24 hours', true);

-- Every version of every role's prompt; versions are never edited or deleted.
CREATE TABLE agent_prompts (
  agent_role  text NOT NULL REFERENCES learning_governance (agent_role),
  version     integer NOT NULL CHECK (version >= 1),
  body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agent_role, version)
);

-- The version agents use from their next call.
CREATE TABLE agent_prompt_in_use (
  agent_role  text PRIMARY KEY REFERENCES learning_governance (agent_role),
  version     integer NOT NULL,
  since       timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (agent_role, version) REFERENCES agent_prompts (agent_role, version)
);

INSERT INTO agent_prompts (agent_role, version, body, created_by) VALUES
  ('developer', 1, 'You are the developer agent of a software team. Write correct, readable code that solves the task, with unit tests that exercise its edge cases. Prefer the standard library; never touch the network or files outside the workspace.', 'migration'),
  ('tester', 1, 'You are the tester agent. Write unit tests that pin down the behaviour the task asks for, including edge cases and failure paths, for the solution you are given.', 'migration'),
  ('reviewer', 1, 'You are a code reviewer. Judge correctness, readability and test coverage of the solution against the task; vote approve, request_changes or reject, with concrete reasons.', 'migration'),
  ('security', 1, 'You are the security reviewer. Look for injection, unsafe deserialization, path traversal, secrets in code, network or file access beyond the task, and unsafe defaults. Approve only when no high or critical finding remains.', 'migration'),
  ('architect', 1, 'You are the architect. Judge structure, naming, dependencies and how the solution fits its task; list concerns and recommendations.', 'migration'),
  ('supervisor', 1, 'You are the supervisor. When the team cannot agree or keeps failing, read their answers and propose a short action plan with your reasoning and your confidence.', 'migration');
INSERT INTO agent_prompt_in_use (agent_role, version) SELECT agent_role, 1 FROM agent_prompts;

CREATE TABLE prompt_updates (
  id                text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.-]{1,100}$'),
  agent_role        text NOT NULL REFERENCES learning_governance (agent_role),
  -- The version in use when proposed: applying over a newer one would lose it.
  base_version      integer NOT NULL,
  body              text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
  reason            text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  source            text NOT NULL CHECK (source IN ('operator', 'learning')),
  proposed_by       text NOT NULL,
  -- proposed: waits for its role's limit or cooldown; pending_approval: waits for a human;
  -- approved: a human said yes, applied as soon as the rules allow.
  status            text NOT NULL CHECK (status IN ('proposed', 'pending_approval', 'approved', 'rejected', 'applied', 'expired', 'rolled_back')),
  decided_by        text,
  decision_comment  text,
  decided_at        timestamptz,
  applied_version   integer,
  applied_at        timestamptz,
  expires_at        timestamptz NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX prompt_updates_open_idx ON prompt_updates (agent_role, created_at) WHERE status IN ('proposed', 'pending_approval', 'approved');
CREATE INDEX prompt_updates_applied_idx ON prompt_updates (agent_role, applied_at) WHERE applied_at IS NOT NULL;

-- Updates applied to the role since midnight UTC: what the daily limit counts.
CREATE FUNCTION prompt_updates_today(p_role text) RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT count(*)::integer FROM prompt_updates
  WHERE agent_role = p_role AND applied_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
$$;

-- The seed's check: may the role's prompt change now without a human? (Under its limit, past its cooldown, no approval needed.)
CREATE FUNCTION can_auto_update_prompt(p_role text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT NOT g.requires_approval
     AND prompt_updates_today(g.agent_role) < g.max_updates_per_day
     AND (g.last_update_at IS NULL OR g.last_update_at + g.cooldown <= now())
  FROM learning_governance g WHERE g.agent_role = p_role
$$;

-- Applies an update if the role's limit and cooldown allow it now. Caller holds the role's row lock.
-- Outcomes: applied | blocked.
CREATE FUNCTION prompt_update_try_apply(p_id text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_upd prompt_updates%ROWTYPE;
  v_gov learning_governance%ROWTYPE;
  v_version integer;
BEGIN
  SELECT * INTO v_upd FROM prompt_updates WHERE id = p_id;
  SELECT * INTO v_gov FROM learning_governance WHERE agent_role = v_upd.agent_role;
  IF prompt_updates_today(v_gov.agent_role) >= v_gov.max_updates_per_day
     OR (v_gov.last_update_at IS NOT NULL AND v_gov.last_update_at + v_gov.cooldown > now()) THEN
    RETURN 'blocked';
  END IF;
  SELECT coalesce(max(version), 0) + 1 INTO v_version FROM agent_prompts WHERE agent_role = v_upd.agent_role;
  INSERT INTO agent_prompts (agent_role, version, body, created_by) VALUES (v_upd.agent_role, v_version, v_upd.body, v_upd.proposed_by);
  UPDATE agent_prompt_in_use SET version = v_version, since = now() WHERE agent_role = v_upd.agent_role;
  UPDATE learning_governance SET last_update_at = now(), updated_at = now() WHERE agent_role = v_upd.agent_role;
  UPDATE prompt_updates SET status = 'applied', applied_version = v_version, applied_at = now(), updated_at = now() WHERE id = p_id;
  RETURN 'applied';
END
$$;

-- A new proposal, decided at once: applied (auto role within its rules), proposed (auto role,
-- limit or cooldown in the way) or pending_approval. A repeated id returns the update as it is.
CREATE FUNCTION propose_prompt_update(p_id text, p_role text, p_body text, p_reason text, p_source text,
                                      p_proposed_by text, p_ttl interval)
RETURNS TABLE (status text, applied_version integer, expires_at timestamptz, replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_gov learning_governance%ROWTYPE;
  v_existing prompt_updates%ROWTYPE;
  v_base integer;
BEGIN
  -- The role's row lock serialises every decision about its prompt.
  SELECT * INTO v_gov FROM learning_governance g WHERE g.agent_role = p_role FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown agent role %', p_role USING ERRCODE = '22023';
  END IF;
  SELECT * INTO v_existing FROM prompt_updates u WHERE u.id = p_id;
  IF FOUND THEN
    IF v_existing.agent_role <> p_role OR v_existing.body <> p_body THEN
      RAISE EXCEPTION 'prompt update % exists with other content', p_id USING ERRCODE = '23505';
    END IF;
    RETURN QUERY SELECT v_existing.status, v_existing.applied_version, v_existing.expires_at, true;
    RETURN;
  END IF;
  SELECT i.version INTO v_base FROM agent_prompt_in_use i WHERE i.agent_role = p_role;
  INSERT INTO prompt_updates (id, agent_role, base_version, body, reason, source, proposed_by, status, expires_at)
  VALUES (p_id, p_role, v_base, p_body, p_reason, p_source, p_proposed_by,
          CASE WHEN v_gov.requires_approval THEN 'pending_approval' ELSE 'proposed' END, now() + p_ttl);
  IF NOT v_gov.requires_approval THEN
    PERFORM prompt_update_try_apply(p_id);
  END IF;
  RETURN QUERY SELECT u.status, u.applied_version, u.expires_at, false FROM prompt_updates u WHERE u.id = p_id;
END
$$;

-- Re-decides an open update: expires it past its deadline, applies an approved
-- or auto one when the rules now allow. What the workflow's timer calls.
CREATE FUNCTION recheck_prompt_update(p_id text)
RETURNS TABLE (status text, applied_version integer, expires_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
  v_upd prompt_updates%ROWTYPE;
BEGIN
  SELECT * INTO v_upd FROM prompt_updates u WHERE u.id = p_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no prompt update %', p_id USING ERRCODE = 'P0002';
  END IF;
  PERFORM 1 FROM learning_governance g WHERE g.agent_role = v_upd.agent_role FOR UPDATE;
  SELECT * INTO v_upd FROM prompt_updates u WHERE u.id = p_id;
  IF v_upd.status IN ('proposed', 'pending_approval', 'approved') AND v_upd.expires_at <= now() THEN
    UPDATE prompt_updates u SET status = 'expired', updated_at = now() WHERE u.id = p_id;
  ELSIF v_upd.status IN ('proposed', 'approved') THEN
    PERFORM prompt_update_try_apply(p_id);
  END IF;
  RETURN QUERY SELECT u.status, u.applied_version, u.expires_at FROM prompt_updates u WHERE u.id = p_id;
END
$$;

-- The seed's approval, also the API's and the workflow's: one path, so they never disagree.
-- Returns the update's status afterwards: applied, or approved when its role's limit or
-- cooldown still holds it back (applied by the next recheck once they allow).
CREATE FUNCTION approve_prompt_update(p_prompt_id text, p_approver text, p_comment text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_upd prompt_updates%ROWTYPE;
BEGIN
  SELECT * INTO v_upd FROM prompt_updates u WHERE u.id = p_prompt_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no prompt update %', p_prompt_id USING ERRCODE = 'P0002';
  END IF;
  PERFORM 1 FROM learning_governance g WHERE g.agent_role = v_upd.agent_role FOR UPDATE;
  SELECT * INTO v_upd FROM prompt_updates u WHERE u.id = p_prompt_id;
  IF v_upd.status IN ('approved', 'applied') AND v_upd.decided_by IS NOT DISTINCT FROM p_approver THEN
    RETURN v_upd.status;
  END IF;
  IF v_upd.status NOT IN ('proposed', 'pending_approval') OR v_upd.expires_at <= now() THEN
    RAISE EXCEPTION 'prompt update % is %, it cannot be approved', p_prompt_id,
      CASE WHEN v_upd.status IN ('proposed', 'pending_approval') THEN 'expired' ELSE v_upd.status END USING ERRCODE = '55000';
  END IF;
  UPDATE prompt_updates u SET status = 'approved', decided_by = p_approver, decision_comment = p_comment,
         decided_at = now(), updated_at = now() WHERE u.id = p_prompt_id;
  PERFORM prompt_update_try_apply(p_prompt_id);
  RETURN (SELECT u.status FROM prompt_updates u WHERE u.id = p_prompt_id);
END
$$;

CREATE FUNCTION reject_prompt_update(p_prompt_id text, p_approver text, p_comment text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_upd prompt_updates%ROWTYPE;
BEGIN
  SELECT * INTO v_upd FROM prompt_updates u WHERE u.id = p_prompt_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no prompt update %', p_prompt_id USING ERRCODE = 'P0002';
  END IF;
  IF v_upd.status = 'rejected' AND v_upd.decided_by IS NOT DISTINCT FROM p_approver THEN
    RETURN 'rejected';
  END IF;
  IF v_upd.status NOT IN ('proposed', 'pending_approval', 'approved') THEN
    RAISE EXCEPTION 'prompt update % is %, it cannot be rejected', p_prompt_id, v_upd.status USING ERRCODE = '55000';
  END IF;
  UPDATE prompt_updates u SET status = 'rejected', decided_by = p_approver, decision_comment = p_comment,
         decided_at = now(), updated_at = now() WHERE u.id = p_prompt_id;
  RETURN 'rejected';
END
$$;

-- Back to the version before the one in use; the update that made it is marked rolled_back.
-- Returns the version now in use.
CREATE FUNCTION rollback_prompt(p_role text, p_actor text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_current integer;
  v_previous integer;
BEGIN
  PERFORM 1 FROM learning_governance g WHERE g.agent_role = p_role FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown agent role %', p_role USING ERRCODE = '22023';
  END IF;
  SELECT i.version INTO v_current FROM agent_prompt_in_use i WHERE i.agent_role = p_role;
  SELECT max(p.version) INTO v_previous FROM agent_prompts p
  WHERE p.agent_role = p_role AND p.version < v_current
    AND NOT EXISTS (SELECT 1 FROM prompt_updates u WHERE u.agent_role = p_role AND u.applied_version = p.version AND u.status = 'rolled_back');
  IF v_previous IS NULL THEN
    RAISE EXCEPTION '% has no earlier prompt version to roll back to', p_role USING ERRCODE = '55000';
  END IF;
  UPDATE agent_prompt_in_use SET version = v_previous, since = now() WHERE agent_role = p_role;
  UPDATE prompt_updates u SET status = 'rolled_back', decided_by = coalesce(u.decided_by, p_actor),
         decision_comment = coalesce(u.decision_comment || '; ', '') || 'rolled back by ' || p_actor, updated_at = now()
  WHERE u.agent_role = p_role AND u.applied_version = v_current;
  RETURN v_previous;
END
$$;

-- The seed's pending-approvals count: per role, and the oldest wait.
CREATE FUNCTION get_pending_approvals_count()
RETURNS TABLE (agent_role text, pending bigint, oldest_pending_since timestamptz) LANGUAGE sql STABLE AS $$
  SELECT u.agent_role, count(*), min(u.created_at)
  FROM prompt_updates u WHERE u.status = 'pending_approval' AND u.expires_at > now()
  GROUP BY u.agent_role ORDER BY u.agent_role
$$;

-- The seed's real-time status, per role.
CREATE VIEW governance_status AS
SELECT g.agent_role,
       prompt_updates_today(g.agent_role) AS updates_today,
       g.max_updates_per_day,
       g.cooldown,
       greatest(interval '0', coalesce(g.last_update_at + g.cooldown - now(), interval '0')) AS cooldown_remaining,
       g.requires_approval,
       can_auto_update_prompt(g.agent_role) AS can_auto_update,
       (SELECT count(*) FROM prompt_updates u WHERE u.agent_role = g.agent_role AND u.status = 'pending_approval' AND u.expires_at > now()) AS pending_approvals,
       (SELECT count(*) FROM prompt_updates u WHERE u.agent_role = g.agent_role AND u.status IN ('proposed', 'approved') AND u.expires_at > now()) AS waiting_for_rules,
       i.version AS prompt_version,
       g.last_update_at
FROM learning_governance g
JOIN agent_prompt_in_use i USING (agent_role)
ORDER BY g.agent_role;
