-- The audit log is appended to, never changed: no role may update or delete an entry,
-- the server's owner included (a trigger, which table privileges alone cannot give).

REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM govaudit_lead;

CREATE FUNCTION govaudit_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION govaudit_append_only();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION govaudit_append_only();
