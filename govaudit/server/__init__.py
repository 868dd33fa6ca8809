"""The team server: a PostgreSQL database that a team's workspaces sync with.

`cluster` runs a PostgreSQL cluster of govaudit's own (initdb, start, stop);
`connection` opens connections from a libpq service name or the environment;
`schema` applies the numbered migrations; `sync` pushes and pulls answers, with `reviews`
(reviews and adjudications) and `logsync` (each workspace's audit chain, checked by the
server as it arrives).
"""
