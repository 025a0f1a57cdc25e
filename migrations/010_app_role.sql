-- The application (API, workers, CLI) connects as golden_app, which owns nothing: migrations run
-- as the owner (DATABASE_OWNER_URL). golden_app reads and writes every table, sequence and
-- function of the schema, those that later migrations create included (default privileges of the
-- owner, who runs them), except the audit trail, which it may only append to and read.
--
-- Roles are per cluster: the local stack creates golden_app with a login and password before the
-- first migration; elsewhere an operator does. If nobody did, it is created here without a login,
-- so the grants below always have their grantee.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'golden_app') THEN
    CREATE ROLE golden_app NOLOGIN;
  END IF;
END $$;

GRANT USAGE ON SCHEMA public TO golden_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO golden_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO golden_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO golden_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO golden_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO golden_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO golden_app;

-- The audit trail: append and read only (its id sequence: nextval only, through the column
-- default); the chain head and the migration history: read only.
REVOKE ALL ON audit_log, audit_chain_head, schema_migrations FROM golden_app;
GRANT SELECT, INSERT ON audit_log TO golden_app;
GRANT SELECT ON audit_chain_head, schema_migrations TO golden_app;
REVOKE ALL ON SEQUENCE audit_log_id_seq FROM golden_app;
GRANT USAGE ON SEQUENCE audit_log_id_seq TO golden_app;
