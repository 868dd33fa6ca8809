"""A download a page starts instead of showing itself: kept as an attachment, capped.

The browser writes a download to a file of its own (never into memory). While it
runs, its size on disk is watched; past the cap it is cancelled and its file
deleted, and the record says so. A finished download is copied into the evidence
folder in chunks, its SHA-256 computed on the way.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from govaudit.evidence import EvidenceFolder, file_stem, site_folder, url_label
from govaudit.files import atomic_write_with
from govaudit.i18n import _
from govaudit.model import EvidenceFile

if TYPE_CHECKING:
    from playwright.async_api import Download

CHUNK = 1 << 20
POLL_S = 0.1


def _browser_file(download: Download) -> Path | None:
    """Where a browser launched here writes the download (None for a remote browser)."""
    try:
        path = Path(download._impl_obj._artifact._initializer["absolutePath"])
    except (AttributeError, KeyError, TypeError):
        return None
    return path if path.parent.is_dir() else None


def _size(path: Path) -> int:
    for candidate in (path, path.with_name(path.name + ".crdownload")):
        with contextlib.suppress(OSError):
            return candidate.stat().st_size
    return 0


def _remove(path: Path | None) -> None:
    if path is not None:
        for candidate in (path, path.with_name(path.name + ".crdownload")):
            candidate.unlink(missing_ok=True)


def copy_hashed(source: Path, dest: Path, limit: int) -> tuple[str, int] | None:
    """Copy `source` to `dest` in chunks (temporary file, fsync, rename), hashing on the
    way; None, and nothing written, when it holds more than `limit` bytes."""
    digest, size = hashlib.sha256(), 0

    def copy(out: BinaryIO) -> None:
        nonlocal size
        with source.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise OverflowError
                digest.update(chunk)
                out.write(chunk)

    try:
        atomic_write_with(dest, copy)
    except OverflowError:
        return None
    return digest.hexdigest(), size


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f} MB" if size >= 100_000 else f"{size:,} bytes"


async def save_download(workspace: EvidenceFolder, record: dict[str, Any], download: Download,
                        limit: int, seconds: float) -> str:
    """Keep `download` as the record's attachment, within `limit` bytes and `seconds`.

    Returns why it was not kept ("" when it was). A download over the limit is
    cancelled and deleted; so is one still running when the time is up.
    """
    from playwright.async_api import Error as PlaywrightError

    browser_file = _browser_file(download)
    finished = asyncio.ensure_future(download.path())
    deadline = time.monotonic() + seconds
    reason = ""
    try:
        while not finished.done():
            size = _size(browser_file) if browser_file is not None else 0
            if size > limit:
                reason = _("the download was cut at {size}: over the {limit} download limit, "
                           "deleted").format(size=_megabytes(size), limit=_megabytes(limit))
                break
            if time.monotonic() > deadline:
                reason = _("the download did not finish within {seconds:.0f}s ({size} so far), "
                           "deleted").format(seconds=seconds, size=_megabytes(size))
                break
            await asyncio.wait({finished}, timeout=POLL_S)
        if not reason:
            try:
                path = Path(finished.result())
            except PlaywrightError as exc:
                failure = await download.failure()
                return _("the download failed: {error}").format(
                    error=failure or exc.message.splitlines()[0])
            name = download.suggested_filename or "download"
            label = f"{url_label(record['requested_url'])}-{Path(name).stem}"
            dest = site_folder(workspace.evidence_dir, record["site"]) / (
                file_stem(record, label) + Path(name).suffix[:16])
            copied = await asyncio.to_thread(copy_hashed, path, dest, limit)
            if copied is None:
                reason = _("the download is over the {limit} download limit, deleted").format(
                    limit=_megabytes(limit))
            else:
                sha, size = copied
                record["files"].append(EvidenceFile(
                    "attachment", workspace.relative(dest), sha, size).to_dict())
            await asyncio.to_thread(_remove, path)
            return reason
        with contextlib.suppress(PlaywrightError):
            await download.cancel()
        await asyncio.to_thread(_remove, browser_file)
        return reason
    finally:
        if not finished.done():
            finished.cancel()
        finished.add_done_callback(lambda f: f.cancelled() or f.exception())
