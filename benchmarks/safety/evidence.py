"""Hostile inputs against evidence: forged records, stripped proofs, impostor and hostile TSAs,
unsafe attached files, and redirects to other schemes in check and monitor.

Everything is real and on this machine: a TSA on 127.0.0.1 signing with `openssl ts -reply`
(tests/archive_helpers.py), Ed25519 keys, a workspace per group of inputs, the report
opened in Chromium, the CLI run as a process. A case holds when govaudit caught or
refused the input and said so (or, for a TSA, gave up within its deadline and size cap).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.safety import Case
from govaudit.store import Store

ROOT = Path(__file__).resolve().parents[2]
SITE, OTHER = "成都市", "重庆市"
CLI = [sys.executable, "-m", "commands"]

TAMPERED, UNTRUSTED, UNSAFE, SCHEMES = ("tampered evidence", "untrusted timestamps",
                                        "unsafe files", "schemes")


def run(folder: Path) -> list[Case]:
    sys.path.insert(0, str(ROOT))
    from tests.archive_helpers import make_tsa, real_tsa, serve_tsa

    tsa = make_tsa(folder / "tsa")
    cases: list[Case] = []
    with serve_tsa(real_tsa(tsa)) as url:
        cases += _forged_fields(folder / "fields", tsa, url)
        cases += _stripped(folder / "stripped", tsa, url)
        cases += _timestamps(folder / "timestamps", tsa, url)
    cases += _hostile_tsas(folder / "hostile-tsa")
    cases += _unsafe_files(folder / "files")
    cases += _schemes(folder / "schemes")
    return cases


# -- a workspace with a signed, timestamped run ----------------------------------------------


def _png(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (30, 20), colour).save(out, "PNG")
    return out.getvalue()


def _workspace(folder: Path, tsa: Any = None, url: str = "", sign: bool = True,
               chain: bool = True) -> Any:
    from govaudit.store import Site, Store
    from govaudit.workspace import init_workspace
    from tests.archive_helpers import configure_evidence

    ws = init_workspace(folder, str(ROOT / "tests" / "fixtures" / "mini.yaml"), "张三")
    Store(ws).add_sites([Site(SITE, "http://127.0.0.1:1/", "city"),
                         Site(OTHER, "http://127.0.0.2:1/", "city")])
    configure_evidence(ws, tsa, url, chain=chain, sign=sign)
    return ws


def _run(ws: Any, started: datetime | None = None) -> tuple[list[dict[str, Any]], Path]:
    from tests.archive_helpers import capture_run

    return capture_run(ws, started)


def _prove(ws: Any, manifest: Path, sign: bool = True) -> None:
    from govaudit.archive.signing import load_private_key, sign_file
    from govaudit.archive.timestamps import timestamp_manifest
    from tests.archive_helpers import settings_of

    result = timestamp_manifest(manifest, settings_of(ws))
    assert result is not None and result.ok, result
    if sign:
        sign_file(manifest, load_private_key(ws.root / "zhang.key"), "张三")


@contextlib.contextmanager
def _kept(paths: list[Path]) -> Iterator[None]:
    """Put the files back as they were after an input."""
    saved = {p: p.read_bytes() for p in paths if p.is_file()}
    try:
        yield
    finally:
        for path in paths:
            if path in saved:
                path.write_bytes(saved[path])
            else:
                path.unlink(missing_ok=True)


def _verify(ws: Any) -> Any:
    from govaudit import Audit

    return Audit.open(ws.root).verify()


# -- tampered evidence -------------------------------------------------------------------------


_FORGED: dict[str, Any] = {
    "id": "ev-000000000000", "run": "20200101T000000Z-0000", "site": OTHER,
    "indicator": "forged", "question": "a9.q9", "requested_url": "http://10.0.0.9/",
    "final_url": "http://10.0.0.9/x", "status": 404, "ip": "10.0.0.9", "title": "伪造",
    "time": "2020-01-01T00:00:00Z", "viewport": "1x1", "device": "iPhone", "user_agent": "x",
    "browser": "forged", "govaudit": "0.0.0", "duration_ms": 1, "capped_height": 1,
    "files": None, "error": "timeout", "selector": "#x", "box": {"x": 9},
    "endpoint": "ws://10.0.0.9/", "headers": [["X-Forged", "1"]], "timing": {"load": 1.0},
    "failure": "http",
}


def _forged_fields(folder: Path, tsa: Any, url: str) -> list[Case]:
    from govaudit.evidence import RECORD_FIELDS
    from tests.archive_helpers import edit_store_record

    ws = _workspace(folder, tsa, url)
    records, manifest = _run(ws)
    _prove(ws, manifest)
    store = sorted((ws.data_dir / "evidence").glob("*.json"))
    cases = []
    for name in RECORD_FIELDS:
        with _kept(store):
            def forge(doc: dict[str, Any], name: str = name) -> None:
                if name == "files":
                    doc["files"][0]["kind"] = "attachment"
                else:
                    doc[name] = _FORGED[name]

            edit_store_record(ws.data_dir, records[0]["id"], forge)
            result = _verify(ws)
            said = sorted({p.problem for p in result.problems})
            cases.append(Case(TAMPERED, f"store field forged: {name}", not result.ok,
                              "; ".join(said) or "verify passed"))
    with _kept(store):  # the record moved to the other site's file
        files = {p.stem: p for p in store}
        source = json.loads(files[SITE].read_text(encoding="utf-8"))
        key, doc = next((k, d) for k, d in source["evidence"].items()
                        if d["id"] == records[0]["id"])
        del source["evidence"][key]
        files[SITE].write_text(json.dumps(source, ensure_ascii=False), encoding="utf-8")
        target = json.loads(files[OTHER].read_text(encoding="utf-8"))
        target["evidence"]["99"] = {**doc, "site": OTHER}
        files[OTHER].write_text(json.dumps(target, ensure_ascii=False), encoding="utf-8")
        result = _verify(ws)
        moved = [p for p in result.problems if p.problem == "site differs from the manifest"]
        cases.append(Case(TAMPERED, "record moved to another site", bool(moved),
                          f"{moved[0].expected} → {moved[0].actual}" if moved else
                          "; ".join(p.problem for p in result.problems) or "verify passed"))
    return cases


def _stripped(folder: Path, tsa: Any, url: str) -> list[Case]:
    from tests.archive_helpers import edit_store_record

    ws = _workspace(folder, tsa, url)
    records, manifest = _run(ws)
    _prove(ws, manifest)
    proofs = {"signature": [".sig"], "token": [".tsr"], "TSA chain copy": [".tsa.pem"],
              "every proof": [".sig", ".tsr", ".tsa.pem"]}
    everything = [p for p in ws.root.rglob("*") if p.is_file()]
    cases = []
    for what, suffixes in proofs.items():
        for forged in (False, True):
            with _kept(everything):
                if forged:  # a title forged in the store and the manifest, its hash redone
                    edit_store_record(ws.data_dir, records[0]["id"],
                                      lambda d: d.update(title="伪造"))
                    body = json.loads(manifest.read_text(encoding="utf-8"))
                    body["records"][0]["title"] = "伪造"
                    manifest.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
                    digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
                    manifest.with_name(manifest.name + ".sha256").write_text(
                        f"{digest}  {manifest.name}\n")
                for path in ws.evidence_dir.rglob("*"):
                    if path.name.endswith(tuple(suffixes)):
                        path.unlink()
                done = subprocess.run([*CLI, "evidence", "verify", "--json"], cwd=ws.root,
                                      capture_output=True, text=True, timeout=120)
                data = json.loads(done.stdout)
                [m] = [v for v in data["verdicts"] if v["kind"] == "manifest"]
                # a chain copy removed changes nothing: only the configured chain is trusted
                held = (done.returncode == 1 if forged or what != "TSA chain copy"
                        else done.returncode == 0 and m["timestamp"] == "ok")
                cases.append(Case(TAMPERED, f"{what} deleted" + (" after forging" if forged
                                                                 else ""), held,
                                  f"exit {done.returncode}; timestamp {m['timestamp']}, "
                                  f"signature {m['signature']}"))
    return cases


# -- untrusted timestamps ----------------------------------------------------------------------


def _timestamps(folder: Path, tsa: Any, url: str) -> list[Case]:
    from govaudit.archive.checks import verify_workspace
    from govaudit.archive.timestamps import timestamp_file
    from tests.archive_helpers import make_tsa, real_tsa, serve_tsa, settings_of

    cases = []
    impostor = make_tsa(folder / "impostor", name="Test TSA")  # the same name, its own root
    for configured in (False, True):
        ws = _workspace(folder / f"impostor-{configured}", tsa, "", sign=False,
                        chain=configured)
        _, manifest = _run(ws)
        with serve_tsa(real_tsa(impostor)) as bad:
            timestamp_file(manifest, bad, chain=impostor.chain)  # its chain kept beside
        [m] = [v for v in verify_workspace(ws, Store(ws), settings_of(ws)) if v.kind == "manifest"]
        cases.append(Case(UNTRUSTED, "impostor TSA, " + ("tsa_chain set" if configured
                                                         else "no tsa_chain"),
                          not m.ok, str(m.timestamp)[:100]))
    for shift, label in ((timedelta(hours=-3), "token 3 h after the capture"),
                         (timedelta(hours=3), "token before the capture")):
        ws = _workspace(folder / label.replace(" ", "-"), tsa, url, sign=False)
        _, manifest = _run(ws, datetime.now(UTC) + shift)
        _prove(ws, manifest, sign=False)
        [m] = [v for v in verify_workspace(ws, Store(ws), settings_of(ws)) if v.kind == "manifest"]
        cases.append(Case(UNTRUSTED, label, bool(m.warnings),
                          (m.warnings or ["no warning"])[0][:100]))
    return cases


def _hostile_tsas(folder: Path) -> list[Case]:
    from tests.archive_helpers import FLOOD, FLOOD_DECLARED, TRICKLE, hostile_tsa

    cases = []
    for kind in (TRICKLE, FLOOD, FLOOD_DECLARED):
        ws = _workspace(folder / kind.replace(" ", "-").replace(",", ""), sign=False)
        _run(ws)
        with hostile_tsa(kind) as (address, sent):
            with ws.config_path.open("a", encoding="utf-8") as handle:
                handle.write(f'tsa = "{address}"\ntsa_timeout = 3\n')
            started = time.monotonic()
            try:
                done = subprocess.run([*CLI, "evidence", "timestamp", "--json"], cwd=ws.root,
                                      capture_output=True, text=True, timeout=120)
            except subprocess.TimeoutExpired:
                cases.append(Case(UNTRUSTED, f"TSA answering {kind}", False,
                                  "evidence timestamp still waiting after 120 s"))
                continue
            took = time.monotonic() - started
            time.sleep(0.2)
            total = sent["bytes"]
        [stamp] = json.loads(done.stdout)["timestamps"]
        # cut off at the 3 s deadline (a byte a second: a few bytes), or near the 1 MB cap
        held = not stamp["ok"] and (total <= 3 + 2 if kind == TRICKLE
                                    else total < 32 << 20)
        cases.append(Case(UNTRUSTED, f"TSA answering {kind}", held,
                          f"{took:.1f} s with start-up, {total:,} bytes sent: "
                          f"{stamp['reason'][17:90]}"))
    return cases


# -- unsafe files ------------------------------------------------------------------------------


def _renamed() -> dict[str, bytes]:
    import zipfile

    from openpyxl import Workbook

    book = io.BytesIO()
    Workbook().save(book)
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("a.txt", "x")
    text = "一段文字，不是表格\n".encode()
    pdf = b"%PDF-1.4\n%%EOF\n"
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
    return {"名单.xlsx (text)": text, "名单.xlsx (plain zip)": plain.getvalue(),
            "报告.docx (xlsx)": book.getvalue(), "报告.docx (png)": _png((1, 2, 3)),
            "报告.pdf (xlsx)": book.getvalue(), "报告.pdf (text)": text,
            "截图.png (pdf)": pdf, "截图.jpg (html)": b"<html><body>x</body></html>",
            "截图.gif (png)": _png((4, 5, 6)), "录屏.mp4 (elf)": elf,
            "旧表.xls (text)": text, "图.svg (text)": text, "说明.txt (png)": _png((7, 8, 9)),
            "data.dat (pdf)": pdf, "程序 (elf)": elf}


def _unsafe_files(folder: Path) -> list[Case]:
    from govaudit.errors import GovauditError
    from govaudit.evidence import attach

    ws = _workspace(folder / "ws", sign=False)
    inputs = folder / "inputs"
    inputs.mkdir(parents=True)
    cases = []
    for label, data in _renamed().items():
        source = inputs / label.split(" (")[0]
        source.write_bytes(data)
        try:
            attach(ws, ws.checklist, Store(ws), SITE, "a1.q1", source)
            cases.append(Case(UNSAFE, f"renamed: {label}", False, "attached"))
        except GovauditError as exc:
            said = str(exc).removeprefix(f"{source}: ")
            cases.append(Case(UNSAFE, f"renamed: {label}", "it is " in said, said[:100]))
        source.unlink()
    (inputs / "linked").symlink_to("/proc/self")
    for path in (Path("/proc/self/environ"), Path("/proc/self/status"),
                 Path("/sys/class/net/lo/address"), inputs / "linked" / "environ"):
        if not os.access(path, os.R_OK):
            continue
        try:
            attach(ws, ws.checklist, Store(ws), SITE, "a1.q1", path)
            cases.append(Case(UNSAFE, f"pseudo-file {path}", False, "attached"))
        except GovauditError as exc:
            said = str(exc).removeprefix(f"{path}: ")
            cases.append(Case(UNSAFE, f"pseudo-file {path.name}", "file system" in said,
                              said[:100]))
    cases.append(_svg_in_report(folder / "svg"))
    return cases


def _recording_server(host: str,
                      body: bytes | None) -> tuple[http.server.ThreadingHTTPServer, list[str]]:
    """A server (not yet serving) that notes every path asked of it and answers with the
    HTML `body`, or 204 when there is none; and the list it notes them in."""
    seen: list[str] = []

    class Recording(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(self.path)
            if body is None:
                self.send_response(204)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET

    return http.server.ThreadingHTTPServer((host, 0), Recording), seen


def _svg_in_report(folder: Path) -> Case:
    """An SVG with a script, an onload, an <image> and a javascript: link, attached and
    opened from the report in Chromium: a canary server must receive nothing."""
    from playwright.sync_api import sync_playwright

    from govaudit import Audit
    from govaudit.browser import find_browser, launch_args
    from govaudit.report.build import site_page_name

    server, seen = _recording_server("127.0.0.1", None)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        ws = _workspace(folder / "ws", sign=False)
        audit = Audit.open(ws.root)
        audit.answer(SITE, "a1.q1", "yes")
        source = folder / "图示.svg"
        source.write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="50" height="50" '
            f'onload="fetch(\'{base}/onload\')"><script>fetch("{base}/script")</script>'
            f'<image href="{base}/image" width="5" height="5"/>'
            f'<a href="javascript:fetch(\'{base}/js\')"><text y="20">x</text></a></svg>',
            encoding="utf-8")
        audit.attach(SITE, "a1.q1", source)
        index = audit.report(folder / "report")
        site_page = index.parent / "sites" / site_page_name(SITE)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_browser().path,
                                         args=launch_args())
            try:
                page = browser.new_page()
                page.goto(site_page.resolve().as_uri(), wait_until="load")
                links = [h for h in page.eval_on_selector_all("a[href]",
                                                              "e => e.map(a => a.href)")
                         if h.endswith(".svg") or "/report/views/" in h]
                for href in links:
                    page.goto(href, wait_until="load")
                    page.mouse.click(10, 40)
                    page.wait_for_timeout(500)
                page.wait_for_timeout(1000)
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return Case(UNSAFE, "SVG with a script opened from the report", bool(links) and not seen,
                f"{len(links)} link(s) opened in Chromium; canary got {seen or 'nothing'}")


# -- schemes -----------------------------------------------------------------------------------


def _schemes(folder: Path) -> list[Case]:
    from govaudit.store import Site, Store
    from govaudit.workspace import init_workspace

    internal, seen = _recording_server(
        "127.0.0.2", b"<html><title>INTERNAL</title><body>INTERNAL</body></html>")
    port = internal.server_address[1]
    where = {"ws": f"ws://127.0.0.2:{port}/admin", "wss": f"wss://127.0.0.2:{port}/admin",
             "ftp": f"ftp://127.0.0.2:{port}/admin", "file": "file:///etc/passwd",
             "gopher": f"gopher://127.0.0.2:{port}/admin",
             "scheme-relative": f"//127.0.0.2:{port}/admin"}

    class Redirecting(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            kind = self.path.rsplit("/", 1)[-1]
            self.send_response(302)
            self.send_header("Location", where.get(kind, "/"))
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_HEAD = do_GET

    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    servers = [internal, site]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{site.server_address[1]}"
    cases = []
    try:
        ws = init_workspace(folder, str(ROOT / "tests" / "fixtures" / "mini.yaml"), "张三")
        Store(ws).add_sites([Site(f"站{kind}", f"{base}/to/{kind}", "city") for kind in where])
        done = subprocess.run([*CLI, "check", "--json", "--probe", "availability", "--samples",
                               "1", "--interval", "0", "--timeout", "5"], cwd=ws.root,
                              capture_output=True, text=True, timeout=300)
        checked = {s["site"]: s["probes"]["availability"]
                   for s in json.loads(done.stdout)["sites"]}
        for kind in where:
            probe = checked[f"站{kind}"]
            errors = " ".join(probe.get("errors", []))
            held = probe.get("status") is None and not probe.get("failures") \
                and probe.get("refused") == 1
            cases.append(Case(SCHEMES, f"check: redirect to {kind}", held, errors[:100]))
        before = len(seen)
        done = subprocess.run([*CLI, "monitor", "tick", "--json", "--timeout", "5",
                               "--host-interval", "0s", "--no-screenshots"], cwd=ws.root,
                              capture_output=True, text=True, timeout=300)
        visits = {v["site"]: v for v in json.loads(done.stdout)["visits"]}
        for kind in where:
            visit = visits[f"站{kind}"]
            cases.append(Case(SCHEMES, f"monitor tick: redirect to {kind}",
                              visit["ok"] is False and "refused" in visit["error"],
                              visit["error"][:100]))
        cases.append(Case(SCHEMES, "the internal host reached", seen == [] and before == 0,
                          f"{len(seen)} request(s) arrived"))
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    return cases
