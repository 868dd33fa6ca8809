"""Monitoring across machines: samples in PostgreSQL, visits as jobs that workers take.

The single-machine monitor (govaudit.monitor, SQLite) stays the default. At national scale
(about 14,000 sites) the samples go to PostgreSQL instead, in the schema `govaudit_monitor`:
`connection` reaches the server, `schema` applies this package's numbered migrations,
`partitions` makes and drops the monthly partitions and rolls days up, `queue` holds the
rounds and their jobs (a SKIP LOCKED queue with leases), `worker` takes jobs and commits each
visit with its job, `schedule` enqueues rounds, and `status` reads the roll-ups and recent
raw samples into the rule set's findings.
"""
