"""WACZ web archives (WACZ 1.1.1) of what the browser fetched, and their integrity check.

A WACZ is a zip holding `archive/data.warc.gz` (a WARC request and response
record per exchange, written with warcio), `indexes/index.cdxj` (CDXJ, from
cdxj-indexer), `pages/pages.jsonl`, `datapackage.json` (every resource's path,
SHA-256 and size) and `datapackage-digest.json` (the SHA-256 of
datapackage.json, the one file to sign). ReplayWeb.page replays it.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from govaudit.archive.recorder import Exchange
from govaudit.version import __version__

if TYPE_CHECKING:
    from govaudit.evidence import EvidenceFolder

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"
WARC_PATH = f"archive/{WARC_NAME}"
INDEX_PATH = "indexes/index.cdxj"
PAGES_PATH = "pages/pages.jsonl"
DATAPACKAGE = "datapackage.json"
DIGEST = "datapackage-digest.json"
# the browser hands bodies over decoded: these headers would no longer describe them
_DECODED_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
# the site's login and session: never written into an archive that is handed over
_SECRET_REQUEST_HEADERS = {"authorization", "proxy-authorization", "cookie"}


@dataclass
class Page:
    """An entry of pages.jsonl: a page a reader opens first."""

    url: str
    time: datetime
    title: str = ""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _warc_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build_warc(exchanges: Iterable[Exchange]) -> bytes:
    """A gzipped WARC: a warcinfo record, then a response and a request record per exchange."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    writer.write_record(writer.create_warcinfo_record(WARC_NAME, {
        "software": f"govaudit {__version__}", "format": "WARC File Format 1.1",
        "description": "responses as received by the browser during an evidence capture"}))
    for ex in exchanges:
        headers = [(k, v) for k, v in ex.response_headers if k.lower() not in _DECODED_HEADERS]
        headers += [(f"X-Archive-Orig-{k}", v) for k, v in ex.response_headers
                    if k.lower() in ("content-encoding", "transfer-encoding")]
        headers.append(("Content-Length", str(len(ex.body))))
        status_line = f"{ex.status} {ex.status_text or _reason(ex.status)}"
        http = StatusAndHeaders(status_line, headers, protocol="HTTP/1.1")
        warc_headers = {"WARC-Date": _warc_date(ex.time)}
        if ex.ip:
            warc_headers["WARC-IP-Address"] = ex.ip
        if ex.truncated:
            warc_headers["WARC-Truncated"] = ex.truncated
        response = writer.create_warc_record(ex.url, "response", payload=io.BytesIO(ex.body),
                                             http_headers=http, warc_headers_dict=warc_headers)
        writer.write_record(response)
        parts = urlsplit(ex.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request_headers = [(k, v) for k, v in ex.request_headers
                           if not k.startswith(":") and k.lower() not in _SECRET_REQUEST_HEADERS]
        if not any(k.lower() == "host" for k, _ in request_headers):
            request_headers.insert(0, ("Host", parts.netloc))
        request_http = StatusAndHeaders(f"{ex.method} {target} HTTP/1.1", request_headers,
                                        is_http_request=True)
        request = writer.create_warc_record(
            ex.url, "request", payload=io.BytesIO(ex.request_body), http_headers=request_http,
            warc_headers_dict={"WARC-Date": _warc_date(ex.time), "WARC-Concurrent-To":
                               response.rec_headers.get_header("WARC-Record-ID")})
        writer.write_record(request)
    return out.getvalue()


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class _Text(io.StringIO):
    def close(self) -> None:  # the indexer closes its output; keep the text readable
        pass


def build_index(warc: bytes) -> bytes:
    """The CDXJ index of a WARC, sorted, with the request method of each response."""
    # cdxj_indexer ships no type hints (no stubs, no py.typed)
    from cdxj_indexer import CDXJIndexer  # type: ignore[import-untyped]

    out = _Text()
    CDXJIndexer(out, [io.BytesIO(warc)], sort=True, post_append=True, filename=WARC_NAME,
                fields="referrer,req.http:method").process_all()
    return out.getvalue().encode("utf-8")


def build_wacz(exchanges: list[Exchange], pages: list[Page], *, title: str = "",
               description: str = "", created: datetime | None = None) -> bytes:
    """A WACZ (bytes) of the exchanges, listing `pages` as its entry points."""
    created = created or datetime.now(UTC)
    warc = build_warc(exchanges)
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}]
    for n, page in enumerate(pages, 1):
        entry = {"id": f"page-{n}", "url": page.url, "ts": _iso(page.time)}
        if page.title:
            entry["title"] = page.title
        lines.append(entry)
    pages_data = "".join(json.dumps(line, ensure_ascii=False) + "\n"
                         for line in lines).encode("utf-8")
    contents = [(PAGES_PATH, pages_data, zipfile.ZIP_DEFLATED),
                (WARC_PATH, warc, zipfile.ZIP_STORED),
                (INDEX_PATH, build_index(warc), zipfile.ZIP_DEFLATED)]
    package: dict[str, object] = {
        "profile": "data-package", "wacz_version": WACZ_VERSION,
        "resources": [{"name": Path(path).name, "path": path,
                       "hash": "sha256:" + hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                      for path, data, _ in contents],
        "created": _iso(created), "software": f"govaudit {__version__}",
    }
    if title:
        package["title"] = title
    if description:
        package["description"] = description
    if pages:
        package["mainPageURL"] = pages[0].url
        package["mainPageDate"] = _iso(pages[0].time)
    package_data = json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")
    digest_data = json.dumps({"path": DATAPACKAGE, "hash": "sha256:" + hashlib.sha256(
        package_data).hexdigest()}, indent=2).encode("utf-8")
    out = io.BytesIO()
    stamp = created.astimezone(UTC).timetuple()[:6]
    with zipfile.ZipFile(out, "w") as archive:
        for path, data, compression in [*contents,
                                        (DATAPACKAGE, package_data, zipfile.ZIP_DEFLATED),
                                        (DIGEST, digest_data, zipfile.ZIP_DEFLATED)]:
            info = zipfile.ZipInfo(path, stamp)
            info.compress_type = compression
            archive.writestr(info, data)
    return out.getvalue()


def digest_bytes(path: Path) -> bytes:
    """The datapackage-digest.json of a WACZ: what a signature of the archive covers."""
    with zipfile.ZipFile(path) as archive:
        return archive.read(DIGEST)


def check_wacz(path: Path) -> str:
    """"" when the WACZ is whole, else what is wrong with it (the zip, a hash, a size)."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            if bad is not None:
                return f"{bad}: damaged inside the zip (CRC mismatch)"
            names = set(archive.namelist())
            for required in (DATAPACKAGE, DIGEST, PAGES_PATH):
                if required not in names:
                    return f"{required} is missing"
            package_data = archive.read(DATAPACKAGE)
            digest = json.loads(archive.read(DIGEST))
            if digest.get("hash") != "sha256:" + hashlib.sha256(package_data).hexdigest():
                return f"{DATAPACKAGE} does not match the hash in {DIGEST}"
            package = json.loads(package_data)
            listed = set()
            for resource in package["resources"]:
                name = resource["path"]
                listed.add(name)
                if name not in names:
                    return f"{name} is listed in {DATAPACKAGE} but missing"
                data = archive.read(name)
                if resource.get("hash") != "sha256:" + hashlib.sha256(data).hexdigest():
                    return f"{name} does not match its hash in {DATAPACKAGE}"
                if resource.get("bytes") != len(data):
                    return f"{name} does not have the size given in {DATAPACKAGE}"
            unlisted = names - listed - {DATAPACKAGE, DIGEST}
            if unlisted:
                return f"{sorted(unlisted)[0]} is not listed in {DATAPACKAGE}"
            if not any(n.startswith("archive/") for n in listed):
                return "no WARC file under archive/"
    except FileNotFoundError:
        return "missing"
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        return f"not a readable zip ({exc})"
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return f"{DATAPACKAGE} or {DIGEST} is not valid ({exc!r})"
    return ""


def save_wacz(workspace: EvidenceFolder, record: dict[str, Any], exchanges: list[Exchange]
              ) -> dict[str, Any]:
    """Keep the WACZ of one capture as an evidence file of `record` (kind "wacz"), beside its
    PNG and HTML; the page listed is the one the capture ended on. Returns the file entry."""
    from govaudit.evidence import save_file

    url = record.get("final_url") or record["requested_url"]
    moment = datetime.strptime(record["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    data = build_wacz(exchanges, [Page(url, moment, record.get("title", ""))],
                      title=record.get("title", "") or url,
                      description=f"{record['site']}: {url}, captured {record['time']} by "
                      f"{record.get('browser', '') or 'a browser'}")
    return save_file(workspace, record, "wacz", ".wacz", data)
