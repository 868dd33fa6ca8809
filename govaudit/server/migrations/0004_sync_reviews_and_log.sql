-- Reviews, adjudications and the audit log move through sync. Each review and adjudication
-- is kept whole, as the workspace keeps it, under `record`: the SHA-256 of its content but
-- its version (two workspaces' copies of one review are one row); the rule that picks the
-- one that holds is the workspace's (govaudit.review). Only the lead writes them; an
-- evaluator reads the reviews of their own answers on their assigned sites.

ALTER TABLE review_states
    ADD COLUMN evaluator text NOT NULL DEFAULT '',   -- whose answer was reviewed
    ADD COLUMN answer_time text NOT NULL DEFAULT '', -- the time of the answer reviewed
    ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN record text;
UPDATE review_states SET record = encode(sha256(convert_to(
    concat_ws(chr(31), site, question, evaluator, state, reviewer, changed, answer_time, note),
    'UTF8')), 'hex');
ALTER TABLE review_states DROP CONSTRAINT review_states_pkey,
    ALTER COLUMN record SET NOT NULL, ADD PRIMARY KEY (record);
CREATE INDEX review_states_answer ON review_states (site, question, evaluator);

ALTER TABLE adjudications
    ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN record text;
UPDATE adjudications SET record = encode(sha256(convert_to(
    concat_ws(chr(31), site, question, value::text, adjudicator, decided, reason,
              answers::text), 'UTF8')), 'hex');
ALTER TABLE adjudications DROP CONSTRAINT adjudications_pkey,
    ALTER COLUMN record SET NOT NULL, ADD PRIMARY KEY (record);
CREATE INDEX adjudications_question ON adjudications (site, question);

DROP POLICY assigned_reviews ON review_states;
CREATE POLICY own_reviews ON review_states FOR SELECT TO govaudit_evaluator
    USING (evaluator = (SELECT govaudit_me())
           AND EXISTS (SELECT FROM assignments a WHERE a.site = review_states.site));

-- The audit log: each workspace's chain, whole. `chain` is the hash of the chain's first
-- entry, `evaluator` the member whose workspace it is, `body` the exact bytes the entry's
-- hash was taken over (canonical JSON of every field but the hash); the other columns are
-- read from the body by the trigger below, never taken from the client. Rows from before
-- (none: the log was not synced) keep chain ''.
ALTER TABLE audit_log
    ADD COLUMN chain text NOT NULL DEFAULT '',
    ADD COLUMN evaluator text NOT NULL DEFAULT '',
    ADD COLUMN body text NOT NULL DEFAULT '',
    ADD COLUMN received timestamptz NOT NULL DEFAULT now();
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey, ADD PRIMARY KEY (chain, seq);
CREATE INDEX audit_log_evaluator ON audit_log (evaluator, chain, seq);

GRANT SELECT, INSERT ON audit_log TO govaudit_evaluator;
CREATE POLICY own_log_read ON audit_log FOR SELECT TO govaudit_evaluator
    USING (evaluator = (SELECT govaudit_me()));
CREATE POLICY own_log_write ON audit_log FOR INSERT TO govaudit_evaluator
    WITH CHECK (evaluator = (SELECT govaudit_me()));

-- The chain, checked as each entry arrives: its hash is the SHA-256 of its body; it
-- follows the entry before it that the server holds (the first one follows nothing and
-- names its chain); an entry the server holds already is not replaced by another. A
-- refusal says which entry (HINT: its seq) and why (DETAIL: changed, missing, unlinked,
-- differs, malformed), SQLSTATE GA001, and the whole push is rolled back. (Relations are
-- named with their schema: no search_path is set on this SECURITY DEFINER function, which
-- would cost a setting saved and restored per row.)
CREATE FUNCTION govaudit_audit_chain() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    AS $$
DECLARE
    fields jsonb := NEW.body::jsonb;  -- text that is no JSON is refused here already
    before text;
    held text;
    owner text;
BEGIN
    IF jsonb_typeof(fields) <> 'object' OR jsonb_typeof(fields->'seq') <> 'number'
            OR fields ? 'hash' THEN
        RAISE EXCEPTION 'audit log of %: an entry that is no log entry', NEW.evaluator
            USING ERRCODE = 'GA001', DETAIL = 'malformed', HINT = coalesce(NEW.seq, 0)::text;
    END IF;
    NEW.seq := (fields->>'seq')::numeric::bigint;
    IF NEW.seq < 1 THEN
        RAISE EXCEPTION 'audit log of %: an entry that is no log entry', NEW.evaluator
            USING ERRCODE = 'GA001', DETAIL = 'malformed', HINT = NEW.seq::text;
    END IF;
    NEW.logged := coalesce(fields->>'time', '');
    NEW.actor := coalesce(fields->>'actor', '');
    NEW.action := coalesce(fields->>'action', '');
    NEW.site := coalesce(fields->>'site', '');
    NEW.question := coalesce(fields->>'question', '');
    NEW.detail := jsonb_build_object('kind', fields->'kind', 'evaluator', fields->'evaluator',
                                     'old', fields->'old', 'new', fields->'new');
    NEW.prev_hash := coalesce(fields->>'prev', '');
    IF encode(sha256(convert_to(NEW.body, 'UTF8')), 'hex') <> NEW.hash THEN
        RAISE EXCEPTION 'audit log of %: entry % was changed: its hash does not match its '
            'content', NEW.evaluator, NEW.seq
            USING ERRCODE = 'GA001', DETAIL = 'changed', HINT = NEW.seq::text;
    END IF;
    SELECT hash, evaluator INTO held, owner FROM public.audit_log
        WHERE chain = NEW.chain AND seq = NEW.seq;
    IF held IS NOT NULL AND held <> NEW.hash THEN
        RAISE EXCEPTION 'audit log of %: entry % differs from the one the server holds',
            NEW.evaluator, NEW.seq
            USING ERRCODE = 'GA001', DETAIL = 'differs', HINT = NEW.seq::text;
    END IF;
    IF NEW.seq = 1 THEN
        IF NEW.prev_hash <> repeat('0', 64) OR NEW.chain <> NEW.hash THEN
            RAISE EXCEPTION 'audit log of %: entry 1 does not begin a chain', NEW.evaluator
                USING ERRCODE = 'GA001', DETAIL = 'unlinked', HINT = '1';
        END IF;
    ELSE
        SELECT hash, evaluator INTO before, owner FROM public.audit_log
            WHERE chain = NEW.chain AND seq = NEW.seq - 1;
        IF before IS NULL THEN
            RAISE EXCEPTION 'audit log of %: entry % follows entry %, which is missing',
                NEW.evaluator, NEW.seq, NEW.seq - 1
                USING ERRCODE = 'GA001', DETAIL = 'missing', HINT = NEW.seq::text;
        END IF;
        IF before <> NEW.prev_hash THEN
            RAISE EXCEPTION 'audit log of %: entry % does not follow entry %', NEW.evaluator,
                NEW.seq, NEW.seq - 1
                USING ERRCODE = 'GA001', DETAIL = 'unlinked', HINT = NEW.seq::text;
        END IF;
    END IF;
    IF owner IS NOT NULL AND owner <> NEW.evaluator THEN
        RAISE EXCEPTION 'audit log of %: the chain of entry % is %''s', NEW.evaluator,
            NEW.seq, owner
            USING ERRCODE = 'GA001', DETAIL = 'differs', HINT = NEW.seq::text;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER audit_log_chain
    BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION govaudit_audit_chain();
