-- The team's records. Answers are kept as versions: one row per (site, question,
-- evaluator, version), the key workbook merges use; a version never changes once stored.

CREATE TABLE evaluators (
    name text PRIMARY KEY,              -- the name answers carry (govaudit.toml evaluator)
    role name NOT NULL UNIQUE,          -- the PostgreSQL login role of this person
    lead boolean NOT NULL DEFAULT false,
    added timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sites (
    name text PRIMARY KEY,
    url text NOT NULL,
    level text NOT NULL,
    region text NOT NULL DEFAULT '',
    ranking_group text NOT NULL DEFAULT '',
    updated timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE assignments (
    site text NOT NULL REFERENCES sites (name) ON UPDATE CASCADE ON DELETE CASCADE,
    evaluator text NOT NULL REFERENCES evaluators (name) ON UPDATE CASCADE ON DELETE CASCADE,
    assigned timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, evaluator)
);
CREATE INDEX assignments_evaluator ON assignments (evaluator);

CREATE TABLE answers (
    site text NOT NULL REFERENCES sites (name) ON UPDATE CASCADE,
    question text NOT NULL,
    evaluator text NOT NULL,
    version text NOT NULL,              -- SHA-256 of the version's time, value, note, evidence
    indicator text NOT NULL,
    value jsonb NOT NULL,               -- a string or a number, as the workspace keeps it
    answered text NOT NULL,             -- the answer's UTC time, ISO 8601 as the workspace keeps it
    note text NOT NULL DEFAULT '',
    evidence text[] NOT NULL DEFAULT '{}',
    pushed_by text NOT NULL DEFAULT current_user,
    received timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, question, evaluator, version)
);
CREATE INDEX answers_evaluator ON answers (evaluator, site);

-- Evidence metadata; the files themselves live in a shared folder, named by SHA-256.
CREATE TABLE evidence (
    id text PRIMARY KEY,
    site text NOT NULL REFERENCES sites (name) ON UPDATE CASCADE,
    question text NOT NULL DEFAULT '',
    captured text NOT NULL DEFAULT '',  -- UTC time of the capture
    record jsonb NOT NULL,              -- the workspace's evidence record, as stored
    pushed_by text NOT NULL DEFAULT current_user,
    received timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX evidence_site ON evidence (site);

CREATE TABLE evidence_files (
    evidence text NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    path text NOT NULL,                 -- where the file sits under its workspace
    sha256 char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (evidence, path)
);
CREATE INDEX evidence_files_sha256 ON evidence_files (sha256);

-- Review: where a (site, question) stands, and what a reviewer settled.
CREATE TABLE review_states (
    site text NOT NULL REFERENCES sites (name) ON UPDATE CASCADE,
    question text NOT NULL,
    state text NOT NULL,
    reviewer text NOT NULL,
    changed text NOT NULL,              -- UTC time
    note text NOT NULL DEFAULT '',
    PRIMARY KEY (site, question, changed, reviewer)
);

CREATE TABLE adjudications (
    site text NOT NULL REFERENCES sites (name) ON UPDATE CASCADE,
    question text NOT NULL,
    value jsonb NOT NULL,
    adjudicator text NOT NULL,
    decided text NOT NULL,              -- UTC time
    reason text NOT NULL DEFAULT '',
    answers jsonb NOT NULL DEFAULT '[]', -- the (evaluator, version) pairs it settled
    PRIMARY KEY (site, question, decided, adjudicator)
);

-- An append-only log; each entry's hash covers the one before it.
CREATE TABLE audit_log (
    seq bigint PRIMARY KEY,
    logged text NOT NULL,               -- UTC time
    actor text NOT NULL,
    action text NOT NULL,
    site text NOT NULL DEFAULT '',
    question text NOT NULL DEFAULT '',
    detail jsonb NOT NULL DEFAULT '{}',
    prev_hash char(64) NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    hash char(64) NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$')
);
