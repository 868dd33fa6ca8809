"""A PostgreSQL cluster in a folder: initdb, start, stop, with the OS's PostgreSQL binaries.

Used by `govaudit server init DIR` (a team's server) and by the tests (a throwaway cluster
on loopback). PostgreSQL refuses to run as root: run by root, every program here runs as
the `postgres` OS user (the one the OS package creates) and the folder is given to it.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from govaudit.errors import GovauditError
from govaudit.i18n import _

RUN_AS = "postgres"  # the OS user that runs PostgreSQL when govaudit runs as root
BINDIR_VARIABLE = "GOVAUDIT_PG_BINDIR"
START_TIMEOUT = 60  # seconds pg_ctl waits for the server to start or stop
INSTALL_HINT = ("install PostgreSQL (Debian/Ubuntu: apt-get install postgresql; `make test` "
                "does it), or set GOVAUDIT_PG_BINDIR to the folder holding initdb")


def postgres_bindir() -> Path:
    """The folder of initdb, pg_ctl and postgres: GOVAUDIT_PG_BINDIR, else the newest of
    Debian's /usr/lib/postgresql/N/bin, else the PATH's."""
    given = os.environ.get(BINDIR_VARIABLE)
    if given:
        if not (Path(given) / "initdb").is_file():
            raise GovauditError(_("{BINDIR_VARIABLE}={given}: no initdb there").format(
                BINDIR_VARIABLE=BINDIR_VARIABLE, given=given))
        return Path(given)
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda p: int(p.parent.parent.name)
                      if p.parent.parent.name.isdigit() else 0)
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise GovauditError(_("PostgreSQL's initdb was not found: {INSTALL_HINT}").format(
        INSTALL_HINT=INSTALL_HINT))


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on `host` now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _runs_as_root() -> bool:
    return os.geteuid() == 0


def _owner() -> pwd.struct_passwd | None:
    """The OS user PostgreSQL runs as: `postgres` when we are root, else ourselves (None)."""
    if not _runs_as_root():
        return None
    try:
        return pwd.getpwnam(RUN_AS)
    except KeyError:
        raise GovauditError(_(
            "PostgreSQL cannot run as root, and there is no {RUN_AS!r} OS user to run it as: "
            "{INSTALL_HINT}, or run govaudit as an ordinary user").format(
            RUN_AS=RUN_AS, INSTALL_HINT=INSTALL_HINT)) from None


def check_reachable(folder: Path) -> None:
    """Refuse a folder that the OS user running PostgreSQL cannot reach (when govaudit runs
    as root, `postgres` must pass through every folder above it)."""
    owner = _owner()
    if owner is None:
        return
    groups = {g.gr_gid for g in grp.getgrall() if owner.pw_name in g.gr_mem} | {owner.pw_gid}
    for parent in reversed(Path(folder).resolve().parents):
        info = parent.stat()
        if info.st_uid == owner.pw_uid:
            allowed = info.st_mode & stat.S_IXUSR
        elif info.st_gid in groups:
            allowed = info.st_mode & stat.S_IXGRP
        else:
            allowed = info.st_mode & stat.S_IXOTH
        if not allowed:
            raise GovauditError(
                _(
                    "PostgreSQL runs as the OS user {pw_name}, which cannot enter {parent} (mode "
                    "{S_IMODE:04o}): choose a folder it can reach (e.g. under /srv or "
                    "/var/lib)").format(
                    pw_name=owner.pw_name, parent=parent, S_IMODE=stat.S_IMODE(info.st_mode)))


@dataclass
class Cluster:
    """A cluster's data folder and where it listens: TCP on `listen` (loopback by default)
    at `port`, and a unix socket in `socket_dir`."""

    data: Path
    port: int
    socket_dir: Path
    listen: str = "127.0.0.1"
    superuser: str = "govaudit"

    @property
    def log(self) -> Path:
        return self.data.parent / f"{self.data.name}.log"

    def _run(self, program: str, args: Sequence[str], timeout: float = START_TIMEOUT
             ) -> subprocess.CompletedProcess[str]:
        command = [str(postgres_bindir() / program), *args]
        owner = _owner()
        if owner is not None:
            command = ["runuser", "-u", owner.pw_name, "--", *command]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL, cwd="/")
        except subprocess.TimeoutExpired:
            raise GovauditError(_(
                "{program} did not finish within {timeout:g}s (data folder {data}; log "
                "{log})").format(
                program=program, timeout=timeout, data=self.data, log=self.log)) from None
        return done

    def _give(self, *paths: Path) -> None:
        """Hand folders (and files) to the OS user that runs PostgreSQL."""
        owner = _owner()
        if owner is None:
            return
        for path in paths:
            os.chown(path, owner.pw_uid, owner.pw_gid)

    def initdb(self, *, password_file: Path | None = None, local_auth: str = "trust",
               host_auth: str = "scram-sha-256", sync: bool = True) -> None:
        """Create the cluster in `data` (which must not exist or be empty) and write its
        settings: where it listens, and how each kind of connection authenticates.
        `sync=False` skips initdb's flush to disk (a throwaway cluster)."""
        if self.data.exists() and any(self.data.iterdir()):
            raise GovauditError(_("{data}: not empty; give a new folder for the cluster").format(
                data=self.data))
        check_reachable(self.data)
        self.data.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self._give(self.data, self.socket_dir)
        if self.log.parent == self.data.parent and not self.log.exists():
            self.log.touch(mode=0o600)
            self._give(self.log)
        args = ["-D", str(self.data), "-U", self.superuser, "-E", "UTF8", "--locale=C.UTF-8",
                f"--auth-local={local_auth}", f"--auth-host={host_auth}"]
        if password_file is not None:
            self._give(password_file)
            args.append(f"--pwfile={password_file}")
        if not sync:
            args.append("--no-sync")
        done = self._run("initdb", args, timeout=180)
        if done.returncode != 0:
            raise GovauditError(_("initdb failed for {data}: {last_lines}").format(
                data=self.data, last_lines=_last_lines(done.stderr or done.stdout)))
        settings = (
            "\n# govaudit\n"
            f"port = {self.port}\n"
            f"listen_addresses = '{self.listen}'\n"
            f"unix_socket_directories = '{self.socket_dir}'\n"
            "password_encryption = 'scram-sha-256'\n"
        )
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(settings)

    def enable_tls(self, cert: Path, key: Path) -> None:
        """Serve TLS with this certificate and key (copied into the data folder)."""
        for source, name in ((cert, "server.crt"), (key, "server.key")):
            target = self.data / name
            shutil.copyfile(source, target)
            target.chmod(0o600)
            self._give(target)
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        done = self._run("pg_ctl", ["start", "-w", "-t", str(START_TIMEOUT), "-D",
                                    str(self.data), "-l", str(self.log)],
                         timeout=START_TIMEOUT + 10)
        if done.returncode != 0:
            raise GovauditError(_(
                "PostgreSQL did not start (data folder {data}): {last_lines}").format(
                data=self.data, last_lines=_last_lines(self._log_tail() or done.stderr)))

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` (roll back open transactions, checkpoint) or `immediate`
        (as a crash: recovery replays the log at the next start)."""
        if not self.running():
            return
        done = self._run("pg_ctl", ["stop", "-w", "-t", str(START_TIMEOUT), "-m", mode,
                                    "-D", str(self.data)], timeout=START_TIMEOUT + 10)
        if done.returncode != 0 and self.running():
            raise GovauditError(_(
                "PostgreSQL did not stop (data folder {data}): {last_lines}").format(
                data=self.data, last_lines=_last_lines(done.stderr)))

    def running(self) -> bool:
        return self._run("pg_ctl", ["status", "-D", str(self.data)]).returncode == 0

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    @classmethod
    def read(cls, data: Path) -> Cluster:
        """The cluster whose data folder is `data`, as its settings say."""
        try:
            text = (data / "postgresql.conf").read_text(encoding="utf-8")
        except OSError as exc:
            raise GovauditError(_("{data}: not a PostgreSQL data folder ({strerror})").format(
                data=data, strerror=exc.strerror)
                                ) from None

        def setting(name: str) -> str:
            found = re.findall(rf"^{name}\s*=\s*'?([^'\n#]*)'?", text, re.M)
            if not found:
                raise GovauditError(_(
                    "{data}/postgresql.conf: no {name} (not made by govaudit server init)").format(
                    data=data, name=name))
            return str(found[-1]).strip()

        return cls(data, int(setting("port")), Path(setting("unix_socket_directories")),
                   setting("listen_addresses"))


def _last_lines(text: str, count: int = 5) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " | ".join(lines[-count:]) or "(no output)"
