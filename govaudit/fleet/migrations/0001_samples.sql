-- The samples of monitoring across machines, in the schema govaudit_monitor (the team
-- server's own tables stay in theirs). Raw samples are partitioned by month (China time,
-- so that a China day never spans two partitions); partitions are made ahead and dropped
-- whole past the retention (govaudit.fleet.partitions). Failures and the daily roll-ups
-- are kept beyond it.

CREATE TABLE settings (
    key text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO settings (key, value) VALUES ('retention_days', '60');

CREATE TABLE visits (
    id bigserial,
    time timestamptz NOT NULL,
    site text NOT NULL,
    round bigint,                       -- the round and job it was made for (NULL: imported)
    job bigint,
    worker text NOT NULL DEFAULT '',
    ok boolean NOT NULL,
    status integer,
    error text NOT NULL DEFAULT '',
    elapsed_ms real,
    final_url text NOT NULL DEFAULT '',
    bytes integer,
    newest_date text,
    fingerprint text NOT NULL DEFAULT '',
    deep boolean NOT NULL DEFAULT false,
    outcome text NOT NULL DEFAULT '',
    redirects text NOT NULL DEFAULT '',
    browser text NOT NULL DEFAULT '',
    PRIMARY KEY (id, time)
) PARTITION BY RANGE (time);
CREATE INDEX visits_site_time ON visits (site, time);
CREATE INDEX visits_deep ON visits (site, time) WHERE deep;

CREATE TABLE columns (
    id bigserial,
    time timestamptz NOT NULL,
    site text NOT NULL,
    visit bigint NOT NULL,
    url text NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    newest_date text,
    items integer NOT NULL,
    dated integer NOT NULL,
    empty boolean NOT NULL,
    ok boolean NOT NULL,
    error text NOT NULL DEFAULT '',
    PRIMARY KEY (id, time)
) PARTITION BY RANGE (time);
CREATE INDEX columns_site_time ON columns (site, time);

CREATE TABLE links (
    id bigserial,
    time timestamptz NOT NULL,
    site text NOT NULL,
    visit bigint NOT NULL,
    page text NOT NULL,
    url text NOT NULL,
    ok boolean NOT NULL,
    status integer,
    error text NOT NULL DEFAULT '',
    verdict text NOT NULL DEFAULT '',
    PRIMARY KEY (id, time)
) PARTITION BY RANGE (time);
CREATE INDEX links_site_time ON links (site, time);

-- Every failed visit, kept beyond the retention: the evidence of 故障率 over months.
CREATE TABLE failures (
    visit bigint PRIMARY KEY,
    time timestamptz NOT NULL,
    site text NOT NULL,
    round bigint,
    worker text NOT NULL DEFAULT '',
    status integer,
    error text NOT NULL DEFAULT '',
    elapsed_ms real,
    outcome text NOT NULL DEFAULT ''
);
CREATE INDEX failures_site_time ON failures (site, time);
CREATE INDEX failures_time ON failures (time);

-- Screenshots taken after failed visits (a job each), kept beyond the retention too.
CREATE TABLE shots (
    id bigserial PRIMARY KEY,
    site text NOT NULL,
    visit bigint NOT NULL,
    time timestamptz NOT NULL,          -- the failed visit's
    evidence text NOT NULL DEFAULT '',  -- the evidence id in the taking worker's workspace
    error text NOT NULL DEFAULT '',
    taken timestamptz,
    shows text NOT NULL DEFAULT '',
    worker text NOT NULL DEFAULT ''
);
CREATE INDEX shots_site_time ON shots (site, time);

-- One row per site and China day: what the raw samples of that day said.
CREATE TABLE daily (
    day date NOT NULL,
    site text NOT NULL,
    visits integer NOT NULL,            -- judged: opened or failed
    failures integer NOT NULL,
    undecided integer NOT NULL,         -- challenges no browser decided (not judged)
    challenged integer NOT NULL,
    p50_ms real,                        -- latency of the visits that opened
    p95_ms real,
    max_ms real,
    links_checked integer NOT NULL DEFAULT 0,
    dead_links integer NOT NULL DEFAULT 0,
    columns integer NOT NULL DEFAULT 0,
    rolled timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, site)
);
CREATE INDEX daily_site_day ON daily (site, day);
