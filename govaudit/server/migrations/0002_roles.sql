-- Who sees what, enforced here: the lead every row; an evaluator the rows of their own
-- assignments. A person logs in with a role of their own, mapped to their name in
-- evaluators; the policies key on current_user, which a session cannot choose.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'govaudit_lead') THEN
        CREATE ROLE govaudit_lead NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'govaudit_evaluator') THEN
        CREATE ROLE govaudit_evaluator NOLOGIN;
    END IF;
END
$$;

-- The evaluator name of the connected role (NULL for a role that is nobody's).
CREATE FUNCTION govaudit_me() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT name FROM evaluators WHERE role = current_user $$;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO govaudit_lead, govaudit_evaluator;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO govaudit_lead;
GRANT SELECT ON evaluators, sites, assignments, review_states, adjudications
    TO govaudit_evaluator;
GRANT SELECT, INSERT ON answers, evidence, evidence_files TO govaudit_evaluator;
GRANT SELECT ON schema_version TO govaudit_lead, govaudit_evaluator;

ALTER TABLE evaluators ENABLE ROW LEVEL SECURITY;
ALTER TABLE sites ENABLE ROW LEVEL SECURITY;
ALTER TABLE assignments ENABLE ROW LEVEL SECURITY;
ALTER TABLE answers ENABLE ROW LEVEL SECURITY;
ALTER TABLE evidence ENABLE ROW LEVEL SECURITY;
ALTER TABLE evidence_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE review_states ENABLE ROW LEVEL SECURITY;
ALTER TABLE adjudications ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;

CREATE POLICY lead_all ON evaluators TO govaudit_lead USING (true) WITH CHECK (true);
CREATE POLICY lead_all ON sites TO govaudit_lead USING (true) WITH CHECK (true);
CREATE POLICY lead_all ON assignments TO govaudit_lead USING (true) WITH CHECK (true);
CREATE POLICY lead_all ON answers TO govaudit_lead USING (true) WITH CHECK (true);
CREATE POLICY lead_all ON evidence TO govaudit_lead USING (true) WITH CHECK (true);
CREATE POLICY lead_all ON evidence_files TO govaudit_lead USING (true) WITH CHECK (true);
CREATE POLICY lead_all ON review_states TO govaudit_lead USING (true) WITH CHECK (true);
CREATE POLICY lead_all ON adjudications TO govaudit_lead USING (true) WITH CHECK (true);
CREATE POLICY lead_all ON audit_log TO govaudit_lead USING (true) WITH CHECK (true);

CREATE POLICY own_row ON evaluators FOR SELECT TO govaudit_evaluator
    USING (role = current_user);
CREATE POLICY own_assignments ON assignments FOR SELECT TO govaudit_evaluator
    USING (evaluator = (SELECT govaudit_me()));
-- assignments' own policy limits this subquery to the evaluator's assignments
CREATE POLICY assigned_sites ON sites FOR SELECT TO govaudit_evaluator
    USING (EXISTS (SELECT FROM assignments a WHERE a.site = sites.name));
-- their own answers (and the probe suggestions they pushed) on their assigned sites
CREATE POLICY own_answers_read ON answers FOR SELECT TO govaudit_evaluator
    USING (pushed_by = current_user
           AND evaluator IN ((SELECT govaudit_me()), 'probe')
           AND EXISTS (SELECT FROM assignments a WHERE a.site = answers.site));
CREATE POLICY own_answers_write ON answers FOR INSERT TO govaudit_evaluator
    WITH CHECK (pushed_by = current_user
                AND evaluator IN ((SELECT govaudit_me()), 'probe')
                AND EXISTS (SELECT FROM assignments a WHERE a.site = answers.site));
CREATE POLICY own_evidence_read ON evidence FOR SELECT TO govaudit_evaluator
    USING (pushed_by = current_user
           AND EXISTS (SELECT FROM assignments a WHERE a.site = evidence.site));
CREATE POLICY own_evidence_write ON evidence FOR INSERT TO govaudit_evaluator
    WITH CHECK (pushed_by = current_user
                AND EXISTS (SELECT FROM assignments a WHERE a.site = evidence.site));
CREATE POLICY own_evidence_files ON evidence_files FOR ALL TO govaudit_evaluator
    USING (EXISTS (SELECT FROM evidence e WHERE e.id = evidence_files.evidence))
    WITH CHECK (EXISTS (SELECT FROM evidence e WHERE e.id = evidence_files.evidence));
CREATE POLICY assigned_reviews ON review_states FOR SELECT TO govaudit_evaluator
    USING (EXISTS (SELECT FROM assignments a WHERE a.site = review_states.site));
CREATE POLICY assigned_adjudications ON adjudications FOR SELECT TO govaudit_evaluator
    USING (EXISTS (SELECT FROM assignments a WHERE a.site = adjudications.site));
