-- Who may do what in the monitor's schema, each role what it needs and no more: workers
-- (and the scheduler) write, the lead reads (status --server), an evaluator gets nothing
-- here. A worker's login role is a member of govaudit_worker; the partitioned tables
-- belong to govaudit_worker, so that any worker makes and drops their monthly partitions
-- (govaudit.fleet.partitions gives each new partition to it too).

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'govaudit_lead') THEN
        CREATE ROLE govaudit_lead NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'govaudit_worker') THEN
        CREATE ROLE govaudit_worker NOLOGIN;
    END IF;
END
$$;

REVOKE ALL ON SCHEMA govaudit_monitor FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA govaudit_monitor FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA govaudit_monitor FROM PUBLIC;

GRANT USAGE ON SCHEMA govaudit_monitor TO govaudit_lead;
GRANT SELECT ON ALL TABLES IN SCHEMA govaudit_monitor TO govaudit_lead;

GRANT USAGE, CREATE ON SCHEMA govaudit_monitor TO govaudit_worker;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA govaudit_monitor
    TO govaudit_worker;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA govaudit_monitor TO govaudit_worker;

ALTER TABLE visits OWNER TO govaudit_worker;
ALTER TABLE columns OWNER TO govaudit_worker;
ALTER TABLE links OWNER TO govaudit_worker;
DO $$
DECLARE
    part record;
BEGIN
    FOR part IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent IN ('visits'::regclass, 'columns'::regclass, 'links'::regclass)
    LOOP
        EXECUTE format('ALTER TABLE %I OWNER TO govaudit_worker', part.relname);
    END LOOP;
END
$$;
