"""The home page as Chromium rendered it, from the workspace's captures, for the page model.

`govaudit evidence` runs the page model's capture script in the loaded page before it keeps
the page's HTML snapshot (govaudit.page.capture.CAPTURE_SCRIPT: every element a reader does
not see is marked `data-ga-hidden`), so the snapshot is the rendered DOM with its visibility.
`check` reads the newest snapshot of the home page into the Page beside the page as fetched:
footers, lists and links written by scripts are read, and what is hidden is known. The
snapshot keeps no frame's document (the inert copy loads nothing): a list inside a frame is
read in a browser instead (govaudit.probes.visit). A snapshot made before the script ran has
no marks: every element in it counts as visible.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from govaudit.page.capture import Capture


def _same_page(a: str, b: str) -> bool:
    left, right = urlsplit(a), urlsplit(b)
    return (left.netloc.lower(), left.path.rstrip("/") or "/", left.query) == \
        (right.netloc.lower(), right.path.rstrip("/") or "/", right.query)


def captured(root: Path, records: list[dict[str, object]],
             url: str) -> Capture | None:
    """The rendered DOM of the newest capture of `url` that kept its HTML snapshot."""
    for record in sorted(records, key=lambda r: str(r.get("time") or ""), reverse=True):
        page = str(record.get("final_url") or record.get("requested_url") or "")
        asked = str(record.get("requested_url") or "")
        if not (_same_page(asked, url) or _same_page(page, url)):
            continue
        files = record.get("files")
        for entry in files if isinstance(files, list) else []:
            if not isinstance(entry, dict) or entry.get("kind") != "html":
                continue
            path = root / Path(str(entry.get("path") or ""))
            try:
                return Capture(page or url, path.read_bytes().decode("utf-8", "replace"))
            except OSError:
                continue
    return None
