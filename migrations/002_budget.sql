-- Per-tenant token budgets: an exactly-once ledger.
--
-- Invariant, enforced by the database for every tenant at every moment:
--   reserved + committed <= total_limit   (constraint budget_within_limit)
-- `remaining` is derived (total_limit - reserved - committed) and never stored.
-- Every change goes through the functions below, each one atomic statement
-- from the caller's point of view; idempotency keys are primary keys, so a
-- repeated request can never be charged twice, whatever Redis remembers.

CREATE FUNCTION budget_period_start(p_period text, p_at timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_period
    WHEN 'daily'   THEN date_trunc('day',   p_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
    WHEN 'monthly' THEN date_trunc('month', p_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
    ELSE timestamptz '1970-01-01 00:00:00+00'
  END
$$;

CREATE TABLE budget_limits (
  tenant_id     text PRIMARY KEY,
  total_limit   bigint NOT NULL CHECK (total_limit >= 0),
  period        text NOT NULL DEFAULT 'monthly' CHECK (period IN ('daily', 'monthly', 'total')),
  period_start  timestamptz NOT NULL DEFAULT budget_period_start('monthly', now()),
  reserved      bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  committed     bigint NOT NULL DEFAULT 0 CHECK (committed >= 0),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT budget_within_limit CHECK (reserved + committed <= total_limit)
);

-- One row per LLM call (request id = workflow id + step). `held` is what the
-- call still holds of the tenant's budget; `consumed` what its attempts used.
CREATE TABLE budget_reservations (
  request_id    text PRIMARY KEY,
  tenant_id     text NOT NULL REFERENCES budget_limits (tenant_id),
  amount        bigint NOT NULL CHECK (amount > 0),
  held          bigint NOT NULL CHECK (held >= 0 AND held <= amount),
  consumed      bigint NOT NULL DEFAULT 0 CHECK (consumed >= 0),
  state         text NOT NULL CHECK (state IN ('reserved', 'committed', 'released', 'expired')),
  params_hash   text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  CONSTRAINT budget_reservation_holds_only_while_reserved CHECK (state = 'reserved' OR held = 0)
);
CREATE INDEX budget_reservations_expiry_idx ON budget_reservations (expires_at) WHERE state = 'reserved';
CREATE INDEX budget_reservations_tenant_idx ON budget_reservations (tenant_id, state, created_at DESC);

-- Actual usage, one row per attempt of a call: a retried attempt is a new
-- row (its tokens were really spent), a repeated commit of the same attempt is not.
CREATE TABLE budget_usage (
  request_id    text NOT NULL REFERENCES budget_reservations (request_id),
  attempt       integer NOT NULL CHECK (attempt >= 1),
  tenant_id     text NOT NULL,
  tokens        bigint NOT NULL CHECK (tokens >= 0),
  -- The tenant's period the tokens were counted in, read under the tenant's row lock.
  period_start  timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_id, attempt)
);

CREATE TABLE budget_limit_changes (
  id            bigserial PRIMARY KEY,
  tenant_id     text NOT NULL,
  old_limit     bigint,
  new_limit     bigint NOT NULL,
  old_period    text,
  new_period    text NOT NULL,
  changed_by    text NOT NULL,
  changed_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX budget_limit_changes_tenant_idx ON budget_limit_changes (tenant_id, changed_at DESC);

CREATE TABLE budget_period_history (
  tenant_id     text NOT NULL,
  period_start  timestamptz NOT NULL,
  period_end    timestamptz NOT NULL,
  total_limit   bigint NOT NULL,
  committed     bigint NOT NULL,
  PRIMARY KEY (tenant_id, period_start)
);

CREATE TABLE budget_reconciliations (
  id              bigserial PRIMARY KEY,
  run_at          timestamptz NOT NULL DEFAULT now(),
  tenants_checked integer NOT NULL,
  violations      integer NOT NULL,
  details         jsonb NOT NULL DEFAULT '[]'::jsonb
);

-- Who changed a limit, when, from what to what; and a notification so every
-- process drops its cached figures, even when the change came from psql
-- (the runbook's UPDATE budget_limits SET total_limit = … works verbatim).
-- The API sets golden.actor for the transaction; psql sessions show their role.
CREATE FUNCTION budget_limits_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO budget_limit_changes (tenant_id, old_limit, new_limit, old_period, new_period, changed_by)
  VALUES (NEW.tenant_id,
          CASE WHEN TG_OP = 'UPDATE' THEN OLD.total_limit END, NEW.total_limit,
          CASE WHEN TG_OP = 'UPDATE' THEN OLD.period END, NEW.period,
          coalesce(nullif(current_setting('golden.actor', true), ''), session_user));
  PERFORM pg_notify('golden_budget_changed', NEW.tenant_id);
  RETURN NEW;
END
$$;
CREATE TRIGGER budget_limits_inserted AFTER INSERT ON budget_limits
  FOR EACH ROW EXECUTE FUNCTION budget_limits_changed();
-- Usage updates (every reserve and commit) do not fire it: only limit and period changes do.
CREATE TRIGGER budget_limits_updated AFTER UPDATE OF total_limit, period ON budget_limits
  FOR EACH ROW WHEN (OLD.total_limit IS DISTINCT FROM NEW.total_limit OR OLD.period IS DISTINCT FROM NEW.period)
  EXECUTE FUNCTION budget_limits_changed();

-- Reserve `amount` under `request_id`. Outcomes: granted | replayed | denied | conflict.
-- The insert comes first: its primary key serialises concurrent duplicates,
-- and the loser sees the winner's row instead of charging a second time.
CREATE FUNCTION budget_reserve(p_request_id text, p_tenant text, p_amount bigint, p_params_hash text,
                               p_ttl_seconds integer, p_default_limit bigint, p_default_period text)
RETURNS TABLE (outcome text, amount bigint, remaining bigint, expires_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
  v_res budget_reservations%ROWTYPE;
  v_lim budget_limits%ROWTYPE;
BEGIN
  -- A tenant's first call provisions its budget; later calls skip the speculative insert.
  PERFORM 1 FROM budget_limits l WHERE l.tenant_id = p_tenant;
  IF NOT FOUND THEN
    INSERT INTO budget_limits (tenant_id, total_limit, period, period_start)
    VALUES (p_tenant, p_default_limit, p_default_period, budget_period_start(p_default_period, now()))
    ON CONFLICT (tenant_id) DO NOTHING;
  END IF;

  INSERT INTO budget_reservations AS r (request_id, tenant_id, amount, held, state, params_hash, expires_at)
  VALUES (p_request_id, p_tenant, p_amount, p_amount, 'reserved', p_params_hash, now() + make_interval(secs => p_ttl_seconds))
  ON CONFLICT (request_id) DO NOTHING
  RETURNING r.* INTO v_res;

  IF NOT FOUND THEN
    SELECT * INTO v_res FROM budget_reservations r WHERE r.request_id = p_request_id;
    SELECT * INTO v_lim FROM budget_limits l WHERE l.tenant_id = v_res.tenant_id;
    RETURN QUERY SELECT CASE WHEN v_res.params_hash = p_params_hash THEN 'replayed' ELSE 'conflict' END,
                        v_res.amount, v_lim.total_limit - v_lim.reserved - v_lim.committed, v_res.expires_at;
    RETURN;
  END IF;

  UPDATE budget_limits l SET reserved = l.reserved + p_amount, updated_at = now()
  WHERE l.tenant_id = p_tenant AND l.reserved + l.committed + p_amount <= l.total_limit
  RETURNING l.* INTO v_lim;

  IF NOT FOUND THEN
    -- Not granted: nothing may remain of the attempt, so a later repeat is judged afresh.
    DELETE FROM budget_reservations r WHERE r.request_id = p_request_id;
    SELECT * INTO v_lim FROM budget_limits l WHERE l.tenant_id = p_tenant;
    RETURN QUERY SELECT 'denied'::text, p_amount, v_lim.total_limit - v_lim.reserved - v_lim.committed, NULL::timestamptz;
    RETURN;
  END IF;

  RETURN QUERY SELECT 'granted'::text, p_amount, v_lim.total_limit - v_lim.reserved - v_lim.committed, v_res.expires_at;
END
$$;

-- Before each attempt of a call: hold the full amount again, so the attempt's
-- usage is covered even after earlier attempts consumed part of the hold (or
-- after a final commit, when Temporal retries the call for another reason).
-- Outcomes: armed | denied | unknown.
CREATE FUNCTION budget_rearm(p_request_id text, p_ttl_seconds integer)
RETURNS TABLE (outcome text, held bigint, remaining bigint, tenant_id text)
LANGUAGE plpgsql AS $$
DECLARE
  v_res budget_reservations%ROWTYPE;
  v_lim budget_limits%ROWTYPE;
  v_missing bigint;
BEGIN
  SELECT * INTO v_res FROM budget_reservations r WHERE r.request_id = p_request_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'unknown'::text, 0::bigint, NULL::bigint, NULL::text; RETURN;
  END IF;
  v_missing := v_res.amount - v_res.held;
  UPDATE budget_limits l SET reserved = l.reserved + v_missing, updated_at = now()
  WHERE l.tenant_id = v_res.tenant_id AND l.reserved + l.committed + v_missing <= l.total_limit
  RETURNING l.* INTO v_lim;
  IF NOT FOUND THEN
    SELECT * INTO v_lim FROM budget_limits l WHERE l.tenant_id = v_res.tenant_id;
    RETURN QUERY SELECT 'denied'::text, v_res.held, v_lim.total_limit - v_lim.reserved - v_lim.committed, v_res.tenant_id; RETURN;
  END IF;
  UPDATE budget_reservations r SET held = r.amount, state = 'reserved', updated_at = now(),
         expires_at = greatest(r.expires_at, now() + make_interval(secs => p_ttl_seconds))
  WHERE r.request_id = p_request_id;
  RETURN QUERY SELECT 'armed'::text, v_res.amount, v_lim.total_limit - v_lim.reserved - v_lim.committed, v_res.tenant_id;
END
$$;

-- Charge one attempt's actual usage. Outcomes: committed | replayed | conflict | over_limit | unknown.
-- Usage within the hold moves from reserved to committed; usage beyond it
-- (only possible after the hold expired or was released) is charged only if
-- the limit allows. `p_final`: the call is done, give back the rest of the
-- hold in the same transaction (what a separate release would do).
CREATE FUNCTION budget_commit(p_request_id text, p_attempt integer, p_tokens bigint, p_final boolean)
RETURNS TABLE (outcome text, tokens bigint, remaining bigint, tenant_id text)
LANGUAGE plpgsql AS $$
DECLARE
  v_res budget_reservations%ROWTYPE;
  v_lim budget_limits%ROWTYPE;
  v_prior bigint;
  v_from_hold bigint;
  v_extra bigint;
  v_give_back bigint;
BEGIN
  -- Row lock: commits and releases of one call are serialised.
  SELECT * INTO v_res FROM budget_reservations r WHERE r.request_id = p_request_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'unknown'::text, p_tokens, NULL::bigint, NULL::text; RETURN;
  END IF;

  SELECT u.tokens INTO v_prior FROM budget_usage u WHERE u.request_id = p_request_id AND u.attempt = p_attempt;
  IF FOUND THEN
    SELECT * INTO v_lim FROM budget_limits l WHERE l.tenant_id = v_res.tenant_id;
    RETURN QUERY SELECT CASE WHEN v_prior = p_tokens THEN 'replayed' ELSE 'conflict' END,
                        v_prior, v_lim.total_limit - v_lim.reserved - v_lim.committed, v_res.tenant_id;
    RETURN;
  END IF;

  v_from_hold := CASE WHEN v_res.state = 'reserved' THEN least(p_tokens, v_res.held) ELSE 0 END;
  v_extra := p_tokens - v_from_hold;
  v_give_back := CASE WHEN p_final AND v_res.state = 'reserved' THEN v_res.held - v_from_hold ELSE 0 END;
  UPDATE budget_limits l
  SET reserved = l.reserved - v_from_hold - v_give_back, committed = l.committed + p_tokens, updated_at = now()
  WHERE l.tenant_id = v_res.tenant_id AND (v_extra = 0 OR l.reserved + l.committed + v_extra <= l.total_limit)
  RETURNING l.* INTO v_lim;
  IF NOT FOUND THEN
    SELECT * INTO v_lim FROM budget_limits l WHERE l.tenant_id = v_res.tenant_id;
    RETURN QUERY SELECT 'over_limit'::text, p_tokens, v_lim.total_limit - v_lim.reserved - v_lim.committed, v_res.tenant_id; RETURN;
  END IF;

  INSERT INTO budget_usage (request_id, attempt, tenant_id, tokens, period_start)
  VALUES (p_request_id, p_attempt, v_res.tenant_id, p_tokens, v_lim.period_start);
  -- Charged usage settles a call that is no longer holding: released or expired becomes committed.
  UPDATE budget_reservations r
  SET held = r.held - v_from_hold - v_give_back,
      consumed = r.consumed + p_tokens,
      state = CASE WHEN r.state = 'reserved' AND NOT p_final THEN 'reserved'
                   WHEN r.consumed + p_tokens > 0 THEN 'committed'
                   ELSE 'released' END,
      updated_at = now()
  WHERE r.request_id = p_request_id;
  RETURN QUERY SELECT 'committed'::text, p_tokens, v_lim.total_limit - v_lim.reserved - v_lim.committed, v_res.tenant_id;
END
$$;

-- Give back what a call still holds. Outcomes: released | final | unknown. Idempotent.
CREATE FUNCTION budget_release(p_request_id text)
RETURNS TABLE (outcome text, released bigint, state text, tenant_id text)
LANGUAGE plpgsql AS $$
DECLARE
  v_res budget_reservations%ROWTYPE;
  v_final text;
BEGIN
  SELECT * INTO v_res FROM budget_reservations r WHERE r.request_id = p_request_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'unknown'::text, 0::bigint, NULL::text, NULL::text; RETURN;
  END IF;
  IF v_res.state <> 'reserved' THEN
    -- An expired hold was already given back; its final state follows what it consumed.
    IF v_res.state = 'expired' THEN
      v_final := CASE WHEN v_res.consumed > 0 THEN 'committed' ELSE 'released' END;
      UPDATE budget_reservations r SET state = v_final, updated_at = now() WHERE r.request_id = p_request_id;
      RETURN QUERY SELECT 'final'::text, 0::bigint, v_final, v_res.tenant_id; RETURN;
    END IF;
    RETURN QUERY SELECT 'final'::text, 0::bigint, v_res.state, v_res.tenant_id; RETURN;
  END IF;
  v_final := CASE WHEN v_res.consumed > 0 THEN 'committed' ELSE 'released' END;
  UPDATE budget_limits l SET reserved = l.reserved - v_res.held, updated_at = now() WHERE l.tenant_id = v_res.tenant_id;
  UPDATE budget_reservations r SET held = 0, state = v_final, updated_at = now() WHERE r.request_id = p_request_id;
  RETURN QUERY SELECT 'released'::text, v_res.held, v_final, v_res.tenant_id;
END
$$;

-- Give back the holds of reservations past their expiry (a crashed worker's
-- call). Skips rows another transaction is working on; returns how many it expired.
CREATE FUNCTION budget_expire(p_batch integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_row record;
  v_count integer := 0;
BEGIN
  FOR v_row IN
    SELECT r.request_id, r.tenant_id, r.held FROM budget_reservations r
    WHERE r.state = 'reserved' AND r.expires_at < now()
    ORDER BY r.expires_at LIMIT p_batch FOR UPDATE SKIP LOCKED
  LOOP
    UPDATE budget_limits l SET reserved = l.reserved - v_row.held, updated_at = now() WHERE l.tenant_id = v_row.tenant_id;
    UPDATE budget_reservations r SET held = 0, state = 'expired', updated_at = now() WHERE r.request_id = v_row.request_id;
    v_count := v_count + 1;
  END LOOP;
  RETURN v_count;
END
$$;

-- Start a new period for tenants whose period has ended: the finished one is
-- kept in budget_period_history and `committed` starts again from zero.
CREATE FUNCTION budget_roll_periods() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_row record;
  v_count integer := 0;
  v_start timestamptz;
BEGIN
  -- Only tenants whose period has ended are locked: the rest are left alone by this sweep.
  FOR v_row IN SELECT * FROM budget_limits l
               WHERE l.period <> 'total' AND l.period_start < budget_period_start(l.period, now())
               FOR UPDATE SKIP LOCKED LOOP
    v_start := budget_period_start(v_row.period, now());
    IF v_start > v_row.period_start THEN
      INSERT INTO budget_period_history (tenant_id, period_start, period_end, total_limit, committed)
      VALUES (v_row.tenant_id, v_row.period_start, v_start, v_row.total_limit, v_row.committed)
      ON CONFLICT (tenant_id, period_start) DO NOTHING;
      UPDATE budget_limits l SET committed = 0, period_start = v_start, updated_at = now() WHERE l.tenant_id = v_row.tenant_id;
      v_count := v_count + 1;
    END IF;
  END LOOP;
  RETURN v_count;
END
$$;

-- Every place where the counters disagree with the ledger they summarise.
-- Aggregates over whole tables (hash joins), not a lookup per row: the
-- reconciliation reads everything once, and the hot path keeps no index for it.
CREATE VIEW budget_inconsistencies AS
  WITH held AS (
    SELECT r.tenant_id, sum(r.held) AS total FROM budget_reservations r WHERE r.state = 'reserved' GROUP BY r.tenant_id
  ), used AS (
    SELECT u.tenant_id, u.period_start, sum(u.tokens) AS total FROM budget_usage u GROUP BY u.tenant_id, u.period_start
  ), per_request AS (
    SELECT u.request_id, sum(u.tokens) AS total FROM budget_usage u GROUP BY u.request_id
  )
  SELECT l.tenant_id, 'reserved'::text AS counter, l.reserved AS recorded, coalesce(h.total, 0) AS expected
  FROM budget_limits l LEFT JOIN held h ON h.tenant_id = l.tenant_id
  UNION ALL
  SELECT l.tenant_id, 'committed', l.committed, coalesce(u.total, 0)
  FROM budget_limits l LEFT JOIN used u ON u.tenant_id = l.tenant_id AND u.period_start = l.period_start
  UNION ALL
  SELECT r.tenant_id, 'consumed:' || r.request_id, r.consumed, coalesce(p.total, 0)
  FROM budget_reservations r LEFT JOIN per_request p ON p.request_id = r.request_id;

-- Seed runbook: SELECT * FROM budget_limits WHERE tenant_id = …; this view adds what is derived.
CREATE VIEW budget_status AS
  SELECT tenant_id, total_limit, period, period_start, reserved, committed,
         total_limit - reserved - committed AS remaining, updated_at
  FROM budget_limits;
