"""govaudit server: a team server on PostgreSQL (init, start, stop, migrate, members,
assignments, status)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govaudit.i18n import N_, _

from .common import JsonOption, console, here, new_app, print_json

app = new_app(N_("A team server on PostgreSQL: the team's answers in one database that each "
              "workspace syncs with ('govaudit sync'); see docs/server.md."))

# the owner's connection: a workspace's [server] is a member's, so it is not used here
ServiceOption = Annotated[str | None, typer.Option(
    "--service", metavar="<name>", help=N_("The libpq service to connect through as the "
    "server's owner (default: PGSERVICE, PGHOST, PGUSER… of the environment)."),
    show_default=False)]
FolderArgument = Annotated[Path, typer.Argument(
    metavar="{folder}", help=N_("The server's folder (its data, socket, log and service file)."))]


@app.command("init",
             help=N_("Make and start a team server in a new folder: a PostgreSQL cluster, the "
                     "database 'govaudit' with its schema, and the owner's service and password "
                     "files."))
def init(
    folder: FolderArgument,
    port: Annotated[int, typer.Option("--port", metavar="<int>",
                                      help=N_("The TCP port to listen on."))] = 5432,
    listen: Annotated[str, typer.Option(
        "--listen", metavar="<address>", help=N_("The addresses to listen on ('*' for every "
        "one; the default serves this machine only)."))] = "127.0.0.1",
    cert: Annotated[Path | None, typer.Option(
        "--cert", metavar="<path>", help=N_("The server's TLS certificate (PEM); with --key, "
        "connections may use TLS (sslmode=verify-full)."), show_default=False)] = None,
    key: Annotated[Path | None, typer.Option(
        "--key", metavar="<path>", help=N_("The certificate's private key (PEM)."),
        show_default=False)] = None,
) -> None:
    """Make and start a team server in a new folder: a PostgreSQL cluster, the database
    'govaudit' with its schema, and the owner's service and password files."""
    from govaudit import TeamServer

    made = TeamServer.init(here(folder), port=port, listen=listen,
                           cert=cert and here(cert), key=key and here(key))
    console.print(_(
        "Team server running: {data} (port {port}, listening on {listen}; log {log})").format(
        data=made.cluster.data, port=made.cluster.port, listen=made.cluster.listen,
        log=made.cluster.log), markup=False)
    console.print(_("As the server's owner (adding members, migrating), connect with:"),
                  markup=False)
    console.print(_(
        "  export PGSERVICEFILE={service_file} PGPASSFILE={password_file} "
        "PGSERVICE=govaudit-owner").format(
        service_file=made.service_file, password_file=made.password_file), markup=False)
    console.print(_("Add each member: govaudit server add-evaluator NAME --role ROLE [--lead]"),
                  markup=False)
    console.print(_(
        "Each member puts this entry in ~/.pg_service.conf (their own role as user, their "
        'password in ~/.pgpass) and [server] service = "govaudit" in govaudit.toml:'), markup=False)
    console.print(made.team_entry, markup=False)


@app.command("start",
             help=N_("Start the team server made by 'server init' in this folder (after a "
                     "reboot)."))
def start(folder: FolderArgument) -> None:
    """Start the team server made by 'server init' in this folder (after a reboot)."""
    from govaudit import TeamServer

    cluster = TeamServer.start(here(folder))
    console.print(_("Team server running: {data} (port {port})").format(
        data=cluster.data, port=cluster.port), markup=False)


@app.command("stop",
             help=N_("Stop the team server in this folder (open transactions are rolled back)."))
def stop(folder: FolderArgument) -> None:
    """Stop the team server in this folder (open transactions are rolled back)."""
    from govaudit import TeamServer

    cluster = TeamServer.stop(here(folder))
    console.print(_("Team server stopped: {data}").format(data=cluster.data), markup=False)


@app.command("migrate",
             help=N_("Bring the server's schema to this govaudit's version (as the server's "
                     "owner)."))
def migrate(service: ServiceOption = None) -> None:
    """Bring the server's schema to this govaudit's version (as the server's owner)."""
    from govaudit import Audit

    with Audit.team_server(service) as server:
        applied = server.migrate()
        version = server.version()
    for migration in applied:
        console.print(_("applied {version:04d}_{name}").format(
            version=migration.version, name=migration.name), markup=False)
    if not applied:
        console.print(_("schema up to date (version {version})").format(
            version=version), markup=False)


@app.command("add-evaluator",
             help=N_("Add a team member: a login role of their own, with a new password shown "
                     "once."))
def add_evaluator(
    name: Annotated[str, typer.Argument(metavar="{name}", help=N_("The evaluator's name, as "
                                        "their workspace has it (govaudit.toml evaluator)."))],
    role: Annotated[str | None, typer.Option(
        "--role", metavar="<role>", help=N_("Their PostgreSQL login role (default: the name, "
        "when it is letters, digits and _)."), show_default=False)] = None,
    lead: Annotated[bool, typer.Option("--lead", help=N_("A lead: sees and changes every "
                                       "row; an evaluator only their assignments'."))] = False,
    service: ServiceOption = None,
) -> None:
    """Add a team member: a login role of their own, with a new password shown once."""
    from govaudit import Audit

    with Audit.team_server(service) as server:
        member = server.add_member(name, role=role, lead=lead)
    kind = "lead" if member.lead else "evaluator"
    console.print(_("{kind} {name}: role {role}, password {password}").format(
        kind=kind, name=member.name, role=member.role, password=member.password),
                  markup=False)
    console.print(_(
        "The password is shown once: give it to them for their ~/.pgpass "
        "(HOST:PORT:govaudit:{role}:PASSWORD, mode 0600).").format(role=member.role), markup=False)


@app.command("assign",
             help=N_("Assign sites to an evaluator: they see and answer only their assigned "
                     "sites."))
def assign(
    evaluator: Annotated[str, typer.Argument(metavar="{evaluator}", help=N_("The evaluator."))],
    sites: Annotated[list[str], typer.Argument(metavar="{sites}...", help=N_("Site names."))],
    service: ServiceOption = None,
) -> None:
    """Assign sites to an evaluator: they see and answer only their assigned sites."""
    from govaudit import Audit

    with Audit.team_server(service) as server:
        added = server.assign(evaluator, sites)
    console.print(_("{evaluator}: {added} site(s) newly assigned, {value} already").format(
        evaluator=evaluator, added=added, value=len(set(sites)) - added), markup=False)


@app.command("status",
             help=N_("The team's members: role, sites assigned and answer versions on the "
                     "server."))
def status(service: ServiceOption = None, as_json: JsonOption = False) -> None:
    """The team's members: role, sites assigned and answer versions on the server."""
    from dataclasses import asdict

    from rich.table import Table

    from govaudit import Audit

    with Audit.team_server(service) as server:
        members = server.status()
    if as_json:
        print_json([asdict(m) for m in members])
        return
    table = Table(_("evaluator"), _("database role"), _("lead"), _("sites"), _("answers"))
    for m in members:
        table.add_row(m.name, m.role, _("yes") if m.lead else "", str(m.sites), str(m.answers))
    console.print(table)
