"""A team database on the session's PostgreSQL cluster for each test: its own database,
the schema migrated, members added as login roles of their own (role names made unique:
roles belong to the whole cluster)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from pg_cluster import SUPERUSER, Postgres

from govaudit import Audit, TeamServer

MINI = Path(__file__).parent / "fixtures" / "mini.yaml"
SITES = [("成都市", "http://www.chengdu.gov.cn/", "city"),
         ("绵阳市", "http://www.my.gov.cn/", "city"),
         ("德阳市", "http://www.deyang.gov.cn/", "city")]


@dataclass
class Team:
    postgres: Postgres
    dbname: str
    monkeypatch: pytest.MonkeyPatch
    roles: dict[str, str] = field(default_factory=dict)  # evaluator name -> role

    def use(self, role: str = SUPERUSER) -> None:
        """Connect as `role` from now on (libpq's environment: PGUSER …)."""
        for key, value in self.postgres.environ(role, self.dbname).items():
            self.monkeypatch.setenv(key, value)

    def use_member(self, name: str) -> None:
        self.use(self.roles[name])

    def server(self) -> TeamServer:
        """The team server as its owner."""
        self.use()
        return Audit.team_server()

    def add(self, name: str, *, lead: bool = False) -> str:
        role = f"m_{uuid.uuid4().hex[:10]}"
        with self.server() as server:
            server.add_member(name, role=role, lead=lead)
        self.roles[name] = role
        return role

    def connect(self, role: str = SUPERUSER) -> psycopg.Connection:
        return psycopg.connect(self.postgres.conninfo(role, self.dbname), autocommit=True)

    def workspace(self, folder: Path, evaluator: str, sites: list[tuple[str, str, str]],
                  checklist: str | Path) -> Audit:
        audit = Audit.create(folder, checklist=str(checklist), evaluator=evaluator)
        for name, url, level in sites:
            audit.sites.add(name, url, level)
        return audit


def make_team(postgres: Postgres, monkeypatch: pytest.MonkeyPatch) -> Team:
    dbname = postgres.create_database(f"team_{uuid.uuid4().hex[:10]}")
    team = Team(postgres, dbname, monkeypatch)
    with team.server() as server:
        server.migrate()
    return team


def lead_and_two_evaluators(postgres: Postgres, monkeypatch: pytest.MonkeyPatch,
                            folder: Path) -> tuple[Team, Audit, int]:
    """A lead (王五) whose workspace in `folder`/lead has SITES, synced; two evaluators, 张三
    assigned 成都市 and 绵阳市, 李四 成都市 and 德阳市 (成都市 is assessed twice).
    Returns the team, the lead's workspace and how many sites its sync pushed."""
    team = make_team(postgres, monkeypatch)
    team.add("王五", lead=True)
    team.add("张三")
    team.add("李四")
    lead = team.workspace(folder / "lead", "王五", SITES, MINI)
    team.use_member("王五")
    pushed = lead.sync().sites_pushed
    with team.server() as server:
        server.assign("张三", ["成都市", "绵阳市"])
        server.assign("李四", ["成都市", "德阳市"])
    return team, lead, pushed
