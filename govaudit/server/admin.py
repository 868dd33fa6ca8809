"""The team server's administration: `govaudit server init|start|stop|migrate|add-evaluator|
assign|status`.

`TeamServer.init(folder)` makes a server for a team in one step: a PostgreSQL cluster in
`folder` listening on the address given, a database `govaudit` with the schema, and the
files that let its owner and the team connect without a password in any workspace:
`pg_service.conf` (libpq service entries) and `owner.pgpass` (the owner's password, 0600).
"""

from __future__ import annotations

import functools
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg import sql

from govaudit.errors import GovauditError, OptionError, UsageError
from govaudit.i18n import _
from govaudit.server.cluster import Cluster
from govaudit.server.connection import ServerSettings, connect
from govaudit.server.schema import Migration, applied_version, check_current, migrate

T = TypeVar("T")
DATABASE = "govaudit"
OWNER = "govaudit"
OWNER_SERVICE = "govaudit-owner"
TEAM_SERVICE = "govaudit"
ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


@dataclass
class ServerInit:
    """What `init` made: the cluster, and the files and entries to connect with."""

    cluster: Cluster
    service_file: Path
    password_file: Path
    team_entry: str  # the service entry to give each member (their own user= in it)
    migrations: list[Migration] = field(default_factory=list)


@dataclass(frozen=True)
class NewMember:
    name: str
    role: str
    lead: bool
    password: str  # shown once; the server keeps only its SCRAM verifier


@dataclass(frozen=True)
class MemberStatus:
    name: str
    role: str
    lead: bool
    sites: int  # sites assigned
    answers: int  # answer versions on the server


def _owner_files(folder: Path, cluster: Cluster, password: str) -> tuple[Path, Path]:
    """pg_service.conf (the owner's service over the unix socket) and owner.pgpass."""
    service_file, password_file = folder / "pg_service.conf", folder / "owner.pgpass"
    service_file.write_text(
        f"# Written by govaudit server init: the owner's connection.\n"
        f"[{OWNER_SERVICE}]\nhost={cluster.socket_dir}\nport={cluster.port}\n"
        f"dbname={DATABASE}\nuser={OWNER}\n", encoding="utf-8")
    fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(f"*:{cluster.port}:*:{OWNER}:{password.replace(':', chr(92) + ':')}\n")
    return service_file, password_file


def team_entry(host: str, port: int, tls: bool) -> str:
    """The libpq service entry a member puts in their ~/.pg_service.conf."""
    mode = "verify-full" if tls else "prefer"
    return (f"[{TEAM_SERVICE}]\nhost={host}\nport={port}\ndbname={DATABASE}\n"
            f"user=YOUR_ROLE\nsslmode={mode}\n")


def _reported(method: Callable[..., T]) -> Callable[..., T]:
    """A TeamServer method whose database errors (the server gone, a privilege missing)
    end in one message naming the connection."""

    @functools.wraps(method)
    def call(self: TeamServer, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except psycopg.Error as exc:
            detail = str(exc).strip().replace("\n", " ")
            raise GovauditError(_("{where}: {detail}").format(
                where=self.where, detail=detail)) from None

    return call


class TeamServer:
    """A connection to the team server for its administration (as its owner, or the lead)."""

    def __init__(self, conn: psycopg.Connection, where: str) -> None:
        self.conn = conn
        self.where = where

    @classmethod
    def open(cls, settings: ServerSettings) -> TeamServer:
        return cls(connect(settings, autocommit=True), settings.described)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> TeamServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- a server for a team -------------------------------------------------------

    @staticmethod
    def init(folder: Path, *, port: int = 5432, listen: str = "127.0.0.1",
             cert: Path | None = None, key: Path | None = None) -> ServerInit:
        """Make and start a team server in `folder` (new or empty): a cluster, the database
        with its schema, the owner's service file and password file."""
        folder = Path(folder).resolve()
        if (cert is None) != (key is None):
            raise OptionError("cert", _("and the key go together for TLS: give both, or neither"))
        for given in (cert, key):
            if given is not None and not Path(given).is_file():
                raise UsageError(_("{given}: no such file").format(given=given))
        if folder.exists() and any(folder.iterdir()):
            raise GovauditError(_("{folder}: not empty; give a new folder for the server").format(
                folder=folder))
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)
        cluster = Cluster(folder / "data", port, folder / "socket", listen, OWNER)
        password = secrets.token_urlsafe(24)
        secret = folder / ".initdb-password"
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(password + "\n")
        try:
            cluster.initdb(password_file=secret, local_auth="scram-sha-256",
                           host_auth="scram-sha-256")
        finally:
            secret.unlink(missing_ok=True)
        if cert is not None and key is not None:
            cluster.enable_tls(Path(cert), Path(key))
        cluster.start()
        service_file, password_file = _owner_files(folder, cluster, password)
        def owner(dbname: str) -> str:
            return psycopg.conninfo.make_conninfo(host=str(cluster.socket_dir),
                                                  port=cluster.port, user=OWNER,
                                                  password=password, dbname=dbname)

        with psycopg.connect(owner("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        with psycopg.connect(owner(DATABASE)) as conn:
            applied = migrate(conn)
        return ServerInit(cluster, service_file, password_file,
                          team_entry(listen if listen not in ("*", "0.0.0.0") else "HOST",
                                     port, cert is not None), applied)

    @staticmethod
    def start(folder: Path) -> Cluster:
        cluster = Cluster.read(Path(folder).resolve() / "data")
        if not cluster.running():
            cluster.start()
        return cluster

    @staticmethod
    def stop(folder: Path) -> Cluster:
        cluster = Cluster.read(Path(folder).resolve() / "data")
        cluster.stop()
        return cluster

    # -- schema, members, assignments --------------------------------------------------

    @_reported
    def migrate(self) -> list[Migration]:
        """Apply the migrations the database lacks; those applied now."""
        try:
            return migrate(self.conn)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise GovauditError(_("{where}: migrate needs the server's owner: {strip}").format(
                where=self.where, strip=str(exc).strip())) from None

    @_reported
    def version(self) -> int:
        return applied_version(self.conn)

    @_reported
    def add_member(self, name: str, *, role: str | None = None, lead: bool = False,
                   password: str | None = None) -> NewMember:
        """A login role for a person, mapped to their evaluator name; with a password made
        here unless one is given (returned, shown once)."""
        check_current(self.conn, self.where)
        name = name.strip()
        role = (role or "").strip() or _role_for(name)
        if not name:
            raise UsageError(_("give the evaluator's name, as their workspace has it"))
        if not ROLE_NAME.match(role):
            raise UsageError(_(
                "role {role!r}: use letters, digits and _ (at most 63), starting with a "
                "letter").format(
                role=role))
        password = password or secrets.token_urlsafe(18)
        group = "govaudit_lead" if lead else "govaudit_evaluator"
        try:
            with self.conn.transaction():
                self.conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
                    sql.Identifier(role), sql.Literal(password), sql.Identifier(group)))
                self.conn.execute("INSERT INTO evaluators (name, role, lead) "
                                  "VALUES (%s, %s, %s)", (name, role, lead))
        except psycopg.errors.DuplicateObject:
            raise GovauditError(_("the role {role!r} exists already on the server").format(
                role=role), hint="role") from None
        except psycopg.errors.UniqueViolation:
            raise GovauditError(_("the server has an evaluator {name!r} already").format(
                name=name)) from None
        except psycopg.errors.InsufficientPrivilege as exc:
            raise GovauditError(_(
                "{where}: adding a member needs the server's owner: {strip}").format(
                where=self.where, strip=str(exc).strip())) from None
        return NewMember(name, role, lead, password)

    @_reported
    def assign(self, evaluator: str, sites: list[str]) -> int:
        """Assign sites (on the server already: the lead's sync pushes them) to an
        evaluator; the number newly assigned."""
        check_current(self.conn, self.where)
        if not self.conn.execute("SELECT 1 FROM evaluators WHERE name = %s",
                                 (evaluator,)).fetchone():
            raise GovauditError(_("no evaluator {evaluator!r} on the server").format(
                evaluator=evaluator), hint="add_evaluator")
        known = {r[0] for r in self.conn.execute("SELECT name FROM sites WHERE name = ANY(%s)",
                                                  (sites,))}
        unknown = [s for s in sites if s not in known]
        if unknown:
            raise GovauditError(_(
                "site(s) not on the server: {listed} (the lead's sync pushes the workspace's "
                "sites); nothing was assigned").format(listed=", ".join(unknown)), hint="sync")
        added = 0
        with self.conn.transaction(), self.conn.cursor() as cur:
            for site in dict.fromkeys(sites):
                cur.execute("INSERT INTO assignments (site, evaluator) VALUES (%s, %s) "
                            "ON CONFLICT DO NOTHING", (site, evaluator))
                added += cur.rowcount
        return added

    @_reported
    def status(self) -> list[MemberStatus]:
        """Each member: sites assigned and answer versions on the server (as this role
        sees them)."""
        check_current(self.conn, self.where)
        rows = self.conn.execute(
            "SELECT e.name, e.role, e.lead, "
            "(SELECT count(*) FROM assignments a WHERE a.evaluator = e.name), "
            "(SELECT count(*) FROM answers x WHERE x.evaluator = e.name) "
            "FROM evaluators e ORDER BY e.name").fetchall()
        return [MemberStatus(*row) for row in rows]


def _role_for(name: str) -> str:
    """A role name for an evaluator: the name itself when it is a plain identifier."""
    if ROLE_NAME.match(name):
        return name.lower()
    raise UsageError(_(
        "{name!r} cannot be a role name as it is (a role name is letters, digits and _, e.g. "
        "zhangsan)").format(name=name), hint="role")

