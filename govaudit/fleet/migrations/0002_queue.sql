-- The job queue of the workers (govaudit.fleet.queue): a round is every site's visit once;
-- a job is taken with FOR UPDATE SKIP LOCKED and held under a lease that its worker renews;
-- a job whose lease ran out (its worker died) is taken by another worker.

CREATE TABLE rounds (
    id bigserial PRIMARY KEY,
    created timestamptz NOT NULL DEFAULT now(),
    every_s real NOT NULL,
    options jsonb NOT NULL,             -- govaudit.monitor.visits.VisitOptions, as given
    sites integer NOT NULL
);

CREATE TABLE jobs (
    id bigserial PRIMARY KEY,
    round bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('visit', 'shot')),
    site text NOT NULL,
    payload jsonb NOT NULL,
    state text NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'running', 'done', 'abandoned')),
    not_before timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    worker text,
    lease_until timestamptz,
    finished timestamptz,
    error text NOT NULL DEFAULT '',
    UNIQUE (round, kind, site)
);
CREATE INDEX jobs_ready ON jobs (not_before, id) WHERE state = 'queued';
CREATE INDEX jobs_leased ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_finished ON jobs (finished) WHERE state IN ('done', 'abandoned');

CREATE TABLE workers (
    name text PRIMARY KEY,              -- host:pid:random, unique per process
    host text NOT NULL,
    pid integer NOT NULL,
    started timestamptz NOT NULL DEFAULT now(),
    seen timestamptz NOT NULL DEFAULT now()
);
