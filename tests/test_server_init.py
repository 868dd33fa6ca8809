"""`govaudit server init`: a team's server in one command, reached through a libpq service
and ~/.pgpass (no password in the workspace), over TLS with a self-signed certificate."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from govaudit import Audit, GovauditError, TeamServer
from govaudit.server.cluster import free_port


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for the name localhost only (not 127.0.0.1), and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "server.crt", folder / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def server_folder():
    """A new folder the postgres OS user can reach; the server in it stopped at the end."""
    root = Path(tempfile.mkdtemp(prefix="govaudit-init-"))
    os.chmod(root, 0o755)
    try:
        yield root / "server"
    finally:
        if (root / "server" / "data").is_dir():
            TeamServer.stop(root / "server")
        shutil.rmtree(root, ignore_errors=True)


def _clear_libpq(monkeypatch):
    for variable in ("PGSERVICE", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD",
                     "PGSERVICEFILE", "PGPASSFILE", "PGSSLMODE"):
        monkeypatch.delenv(variable, raising=False)


def test_server_init_makes_a_team_server_reached_over_tls_without_a_password_in_the_workspace(
        server_folder, tmp_path, monkeypatch, cli):
    _clear_libpq(monkeypatch)
    cert, key = _self_signed(tmp_path)
    port = free_port()
    made = cli("server", "init", str(server_folder), "--port", str(port), "--cert", str(cert),
               "--key", str(key))
    assert made.exit_code == 0, made.output
    assert "sslmode=verify-full" in made.output and f"port={port}" in made.output
    # the owner's files: a service entry and a password file only its owner reads
    assert (server_folder / "owner.pgpass").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("PGSERVICEFILE", str(server_folder / "pg_service.conf"))
    monkeypatch.setenv("PGPASSFILE", str(server_folder / "owner.pgpass"))
    monkeypatch.setenv("PGSERVICE", "govaudit-owner")
    added = cli("server", "add-evaluator", "张三", "--role", "zhangsan")
    assert added.exit_code == 0, added.output
    password = re.search(r"password (\S+)", added.output)[1]

    # the member's own files, as docs/server.md says
    home = tmp_path / "home"
    home.mkdir()
    (home / "pg_service.conf").write_text(
        f"[govaudit]\nhost=localhost\nport={port}\ndbname=govaudit\nuser=zhangsan\n"
        f"sslmode=verify-full\nsslrootcert={cert}\n"
        f"[by-address]\nhost=127.0.0.1\nport={port}\ndbname=govaudit\nuser=zhangsan\n"
        f"sslmode=verify-full\nsslrootcert={cert}\n", encoding="utf-8")
    pgpass = home / "pgpass"
    pgpass.write_text(f"*:{port}:govaudit:zhangsan:{password}\n", encoding="utf-8")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGSERVICEFILE", str(home / "pg_service.conf"))
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    monkeypatch.delenv("PGSERVICE")

    audit = Audit.create(tmp_path / "ws", checklist="cstc-2020-local", evaluator="张三")
    with audit.workspace.config_path.open("a", encoding="utf-8") as config:
        config.write('\n[server]\nservice = "govaudit"\n')
    assert password not in audit.workspace.config_path.read_text(encoding="utf-8")
    result = audit.sync()
    assert (result.member.evaluator, result.member.lead) == ("张三", False)
    with psycopg.connect("service=govaudit") as conn:
        assert conn.pgconn.ssl_in_use
        assert conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
                            ).fetchone() == (True,)
    # verify-full checks the name: the certificate is for localhost, not 127.0.0.1
    with pytest.raises(GovauditError, match="does not match host name"):
        audit.sync(service="by-address")
    # a wrong password is one message naming the service
    pgpass.write_text(f"*:{port}:govaudit:zhangsan:wrong\n", encoding="utf-8")
    failed = cli("sync", "-w", str(audit.root))
    assert failed.exit_code == 1
    assert "libpq service 'govaudit'" in failed.output
    assert "password authentication failed" in failed.output
    assert "Traceback" not in failed.output


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the folder to postgres")
def test_server_init_refuses_a_folder_postgres_cannot_reach(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o700)
    with pytest.raises(GovauditError, match=r"postgres, which cannot enter /\S+ \(mode 0700\)"):
        TeamServer.init(locked / "server", port=free_port())


def test_server_init_refuses_half_a_tls_setting_and_a_used_folder(tmp_path, cli):
    cert, _key = _self_signed(tmp_path)
    half = cli("server", "init", str(tmp_path / "srv"), "--cert", str(cert))
    assert half.exit_code == 2
    assert "--cert and the key go together for TLS" in half.output
    assert not (tmp_path / "srv").exists()
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("x", encoding="utf-8")
    refused = cli("server", "init", str(used))
    assert refused.exit_code == 1 and "not empty" in refused.output
