"""A real RFC 3161 TSA on 127.0.0.1 for the tests: certificates made with `cryptography`,
answers signed by `openssl ts -reply`."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import json
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from govaudit.archive.settings import EvidenceSettings, evidence_settings
from govaudit.store import Store

if TYPE_CHECKING:
    from govaudit.workspace import Workspace

TS_CNF = """[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def settings_of(ws: Workspace) -> EvidenceSettings:
    """The [evidence] settings of the workspace `ws`, as Audit reads them."""
    return evidence_settings(ws.config_path, ws.evaluator)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class TSAFiles:
    folder: Path
    root: Path  # the root CA certificate (trust anchor)
    chain: Path  # TSA certificate + root, PEM: what is kept beside a token
    config: Path


def make_tsa(folder: Path, name: str = "Test TSA", eku: bool = True) -> TSAFiles:
    """A root CA and a TSA certificate (EKU timeStamping, critical) under it, with ts.cnf."""
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    later = now + dt.timedelta(days=30)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (x509.CertificateBuilder().subject_name(_name(f"{name} Root CA"))
            .issuer_name(_name(f"{name} Root CA")).public_key(root_key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(later)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .sign(root_key, hashes.SHA256()))
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    builder = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(root.subject)
               .public_key(tsa_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now).not_valid_after(later)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                            False), critical=True))
    purpose = ExtendedKeyUsageOID.TIME_STAMPING if eku else ExtendedKeyUsageOID.CODE_SIGNING
    builder = builder.add_extension(x509.ExtendedKeyUsage([purpose]), critical=True)
    tsa = builder.sign(root_key, hashes.SHA256())
    (folder / "root.pem").write_bytes(_pem(root))
    (folder / "tsa.pem").write_bytes(_pem(tsa))
    (folder / "chain.pem").write_bytes(_pem(tsa) + _pem(root))
    (folder / "tsa.key").write_bytes(tsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    (folder / "serial").write_text("01\n")
    (folder / "ts.cnf").write_text(TS_CNF.format(dir=folder))
    return TSAFiles(folder, folder / "root.pem", folder / "chain.pem", folder / "ts.cnf")


def openssl_reply(files: TSAFiles, query: bytes) -> bytes:
    """The TSA's signed answer (TimeStampResp, DER) to a query, from `openssl ts -reply`."""
    q = files.folder / "query.tsq"
    out = files.folder / "reply.tsr"
    q.write_bytes(query)
    subprocess.run(["openssl", "ts", "-reply", "-queryfile", str(q), "-config",
                    str(files.config), "-out", str(out)], check=True, capture_output=True,
                   timeout=30)
    return out.read_bytes()


class _Handler(http.server.BaseHTTPRequestHandler):
    answer: Callable[[bytes], tuple[int, bytes]]
    lock = threading.Lock()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        query = self.rfile.read(length)
        if self.headers.get("Content-Type") != "application/timestamp-query":
            status, body = 400, b"expected application/timestamp-query"
        else:
            with self.lock:  # openssl ts -reply writes its serial file
                status, body = type(self).answer(query)
        self.send_response(status)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _TSAServer(http.server.ThreadingHTTPServer):
    """A client that hangs up on a bad answer (govaudit refusing it) is what the tests want: no
    traceback on the test's standard error, where a command run in process prints too."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@contextmanager
def serve_tsa(answer: Callable[[bytes], tuple[int, bytes]]) -> Iterator[str]:
    """An HTTP TSA on 127.0.0.1 answering with `answer(query) -> (status, body)`; its URL."""
    # a lock of its own: a slow TSA still sleeping must not hold up another one
    handler = type("TSAHandler", (_Handler,), {"answer": staticmethod(answer),
                                               "lock": threading.Lock()})
    server = _TSAServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    finally:
        server.shutdown()
        server.server_close()


def real_tsa(files: TSAFiles) -> Callable[[bytes], tuple[int, bytes]]:
    return lambda query: (200, openssl_reply(files, query))



def tsa_fixtures() -> tuple[Any, Any]:
    """The module-scoped fixtures `tsa` (certificates) and `tsa_url` (the TSA on 127.0.0.1):
    `tsa, tsa_url = tsa_fixtures()` in a test module."""

    @pytest.fixture(scope="module")
    def tsa(tmp_path_factory: pytest.TempPathFactory) -> TSAFiles:
        return make_tsa(tmp_path_factory.mktemp("tsa"))

    @pytest.fixture(scope="module")
    def tsa_url(tsa: TSAFiles) -> Iterator[str]:
        with serve_tsa(real_tsa(tsa)) as url:
            yield url

    return tsa, tsa_url


TRICKLE, FLOOD, FLOOD_DECLARED = "1 byte a second", "200 MB, streamed", "200 MB, declared"


@contextmanager
def hostile_tsa(kind: str) -> Iterator[tuple[str, dict[str, int]]]:
    """A TSA on 127.0.0.1 that answers 1 byte a second (TRICKLE, for a minute at most), or
    200 MB as fast as it can (FLOOD; FLOOD_DECLARED with that Content-Length); its URL and
    how many bytes it got to send."""
    sent = {"bytes": 0}
    stop = threading.Event()
    trickle = kind == TRICKLE

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            if kind == FLOOD_DECLARED:
                self.send_header("Content-Length", str(200 << 20))
            self.end_headers()
            chunk = b"\x30" if trickle else b"\x30" * (1 << 16)
            with contextlib.suppress(OSError):
                for _ in range(60 if trickle else (200 << 20) // len(chunk)):
                    if stop.is_set():
                        break
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    sent["bytes"] += len(chunk)
                    if trickle:
                        time.sleep(1)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa", sent
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


def edit_store_record(root: Path, evidence_id: str, change: Callable[[dict[str, Any]], None]
                      ) -> None:
    """Edit an evidence record in a workspace's store files by hand, as someone with the
    folder could (`root`: the workspace's data folder)."""
    for path in sorted((root / "evidence").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for doc in data.get("evidence", {}).values():
            if doc["id"] == evidence_id:
                change(doc)
                path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
                return
    raise AssertionError(f"{evidence_id} not in the store")


# the two sites of capture_run
SITE, OTHER = "成都市", "重庆市"


def configure_evidence(ws: Workspace, tsa: TSAFiles | None = None, url: str = "", *,
                       chain: bool = True, sign: bool = True) -> None:
    """An [evidence] section: the TSA `url`, its chain (tsa-chain.pem), and with `sign` a team
    key (zhang.key, signer 张三) with the public keys in keys/."""
    import shutil

    from govaudit.archive.signing import keygen

    lines = ["", "[evidence]"] + ([f'tsa = "{url}"'] if url else [])
    if tsa is not None and chain:
        shutil.copyfile(tsa.chain, ws.root / "tsa-chain.pem")
        lines.append('tsa_chain = "tsa-chain.pem"')
    if sign:
        made = keygen(ws.root / "keys" / "zhang.key", "张三")
        made.private.rename(ws.root / "zhang.key")
        lines += ['key = "zhang.key"', 'public_keys = "keys"']
    with ws.config_path.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def capture_run(ws: Workspace, started: dt.datetime | None = None
                ) -> tuple[list[dict[str, Any]], Path]:
    """A run with a capture of SITE and of OTHER (a PNG and an HTML each, every field of
    the record filled in), stored, with its manifest; the records and the manifest."""
    import io

    from PIL import Image

    from govaudit.evidence import (
        finished,
        new_record,
        new_run_id,
        save_file,
        store_records,
        utc_time,
        write_manifest,
    )

    run = new_run_id()
    records = []
    for n, site in enumerate((SITE, OTHER)):
        url = f"http://127.0.0.{n + 1}:1/"
        record = new_record(run=run, site=site, requested_url=url)
        record.update(final_url=url + "index.html", status=200, ip=f"127.0.0.{n + 1}",
                      title=f"{site}人民政府", duration_ms=1500, viewport="1366x768",
                      browser="Chromium", user_agent="Mozilla/5.0", headers=[["Server", "x"]],
                      timing={"load": 100.0}, box={"x": 0, "y": 0, "width": 10, "height": 10})
        if started is not None:
            record["time"] = utc_time(started)
        image = io.BytesIO()
        Image.new("RGB", (30, 20), (200, n * 50, 0)).save(image, "PNG")
        save_file(ws, record, "png", ".png", image.getvalue())
        save_file(ws, record, "html", ".html", f"<h1>{site}</h1>".encode())
        records.append(finished(record))
    store_records(Store(ws), records)
    return [r.to_dict() for r in records], write_manifest(ws, run, records)
