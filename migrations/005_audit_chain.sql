-- The audit trail becomes tamper-evident and append-only.
--
-- Each entry carries a sequence number and the SHA-256 of (previous entry's hash || its own
-- canonical form), so an edited, deleted or re-ordered entry breaks the chain that
-- `golden audit verify` walks; audit_chain_head remembers the newest entry, so a truncated tail
-- shows too. Triggers refuse UPDATE, DELETE and TRUNCATE for everyone, owner included (only a
-- superuser disabling them gets past, and then the chain tells). The application's role,
-- golden_app, is not the table's owner and holds only INSERT and SELECT on it.

ALTER TABLE audit_log
  ADD COLUMN source_address text,
  ADD COLUMN chain_seq bigint,
  ADD COLUMN prev_hash bytea,
  ADD COLUMN hash bytea;

CREATE TABLE audit_chain_head (
  id    boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq   bigint NOT NULL,
  hash  bytea NOT NULL
);

-- A field as hex of its UTF-8 bytes, '~' for NULL: no separator or encoding can be ambiguous.
CREATE FUNCTION audit_field(value text) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT coalesce(encode(convert_to(value, 'UTF8'), 'hex'), '~') $$;

-- The canonical form of an entry; api/audit-chain.ts computes the same bytes to verify.
CREATE FUNCTION audit_entry_hash(
  prev bytea, seq bigint, at timestamptz, tenant_id text, actor text, role text, action text,
  resource text, outcome text, request_id text, source_address text, detail jsonb
) RETURNS bytea LANGUAGE sql STABLE
AS $$
  SELECT sha256(prev || convert_to(concat_ws('|',
    seq::text,
    ((extract(epoch FROM at) * 1000000)::bigint)::text,
    audit_field(tenant_id), audit_field(actor), audit_field(role), audit_field(action),
    audit_field(resource), audit_field(outcome), audit_field(request_id), audit_field(source_address),
    audit_field(detail::text)), 'UTF8'))
$$;

-- Chain the existing entries in id order, from a genesis hash of 32 zero bytes.
DO $$
DECLARE
  r record;
  h bytea := decode(repeat('00', 32), 'hex');
  prev bytea;
  s bigint := 0;
BEGIN
  FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
    s := s + 1;
    prev := h;
    h := audit_entry_hash(prev, s, r.at, r.tenant_id, r.actor, r.role, r.action, r.resource, r.outcome, r.request_id, r.source_address, r.detail);
    UPDATE audit_log SET chain_seq = s, prev_hash = prev, hash = h WHERE id = r.id;
  END LOOP;
  INSERT INTO audit_chain_head (id, seq, hash) VALUES (true, s, h);
END $$;

ALTER TABLE audit_log
  ALTER COLUMN chain_seq SET NOT NULL,
  ALTER COLUMN prev_hash SET NOT NULL,
  ALTER COLUMN hash SET NOT NULL,
  ADD CONSTRAINT audit_log_chain_seq_key UNIQUE (chain_seq);

-- Appends one entry to the chain. Runs as the owner (SECURITY DEFINER), so the application's role
-- needs no right on audit_chain_head; the head's row lock orders concurrent appends.
CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
  head audit_chain_head%ROWTYPE;
BEGIN
  SELECT * INTO STRICT head FROM audit_chain_head WHERE id FOR UPDATE;
  NEW.chain_seq := head.seq + 1;
  NEW.prev_hash := head.hash;
  NEW.hash := audit_entry_hash(head.hash, NEW.chain_seq, NEW.at, NEW.tenant_id, NEW.actor, NEW.role, NEW.action,
    NEW.resource, NEW.outcome, NEW.request_id, NEW.source_address, NEW.detail);
  UPDATE audit_chain_head SET seq = NEW.chain_seq, hash = NEW.hash WHERE id;
  RETURN NEW;
END $$;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql
AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- The head moves only from inside audit_log_chain (trigger depth 2), never by a direct statement.
CREATE FUNCTION audit_head_guard() RETURNS trigger LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 THEN RETURN NEW; END IF;
  RAISE EXCEPTION 'audit_chain_head moves only with an audit_log insert: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_chain_head_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_chain_head FOR EACH ROW EXECUTE FUNCTION audit_head_guard();
CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head FOR EACH STATEMENT EXECUTE FUNCTION audit_head_guard();

-- The application's role: reads and writes the platform's tables, but only appends to the audit trail.
-- Roles are per cluster, so another database of the same cluster may have created it already.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'golden_app') THEN
    CREATE ROLE golden_app NOLOGIN;
  END IF;
END $$;
GRANT USAGE ON SCHEMA public TO golden_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO golden_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO golden_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO golden_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO golden_app;
REVOKE ALL ON audit_log, audit_chain_head, schema_migrations FROM golden_app;
GRANT SELECT, INSERT ON audit_log TO golden_app;
GRANT SELECT ON audit_chain_head, schema_migrations TO golden_app;
