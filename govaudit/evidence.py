"""Evidence files and records: hashing, safe names, manifests, attach and verify.

Every evidence file lives under `evidence/<safe site name>/` and is described
by a record (see the store) holding its SHA-256. Each capture run also writes
`evidence/manifest-<run>.json` with all its records and, beside it,
`manifest-<run>.json.sha256` (sha256sum format), so a set of captures can be
handed over and checked as a whole.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import secrets
import shutil
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

from govaudit.errors import GovauditError, UnknownName, checklist_where
from govaudit.filenames import safe_name
from govaudit.files import atomic_write, pseudo_filesystem, temporary_beside
from govaudit.filetypes import content_problem
from govaudit.i18n import _
from govaudit.model import Evidence, EvidenceFile
from govaudit.urls import redact_data, redact_url, stored_form
from govaudit.version import __version__

if TYPE_CHECKING:
    from govaudit.checklist import Checklist
    from govaudit.store import Store

KINDS = ("png", "html", "mhtml", "attachment", "wacz")
SUFFIX_KINDS = {".png": "png", ".html": "html", ".htm": "html", ".mhtml": "mhtml", ".mht": "mhtml"}
MANIFEST_PREFIX = "manifest-"


def utc_time(moment: datetime | None = None) -> str:
    """'2026-11-22T08:15:00Z'."""
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_run_id(moment: datetime | None = None) -> str:
    """'20261122T081500Z-ab12': sortable by time, unique enough per workspace."""
    return f"{(moment or datetime.now(UTC)).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(2)}"


def new_evidence_id() -> str:
    return f"ev-{secrets.token_hex(6)}"


def new_evidence(*, run: str, site: str, indicator: str = "", question: str = "",
                 requested_url: str = "", evidence_id: str | None = None) -> Evidence:
    """A new evidence record: its id, run, site, question and URL, taken now."""
    return Evidence(evidence_id or new_evidence_id(), run, site, indicator, question,
                    requested_url, time=utc_time(), govaudit=__version__)


def new_record(*, run: str, site: str, indicator: str = "", question: str = "",
               requested_url: str = "", evidence_id: str | None = None) -> dict[str, Any]:
    """A new evidence record in its stored form (every field present), for a capture to fill
    in while the page is open; it becomes an Evidence when the capture ends."""
    return new_evidence(run=run, site=site, indicator=indicator, question=question,
                        requested_url=requested_url, evidence_id=evidence_id).to_dict()


def finished(record: Mapping[str, Any]) -> Evidence:
    """A capture's record, once the capture has ended: typed, every URL in it redacted."""
    return Evidence.from_dict(redact_data(dict(record)))


def site_folder(evidence_dir: Path, site: str) -> Path:
    return evidence_dir / safe_name(site)


def file_stem(record: Mapping[str, Any] | Evidence, label: str) -> str:
    """'20261122T081500Z-www.gov.cn_zwgk-ab12cd34ef56': time, what, record id."""
    typed = record if isinstance(record, Evidence) else Evidence.from_dict(record)
    stamp = typed.time.replace("-", "").replace(":", "")
    return f"{stamp}-{safe_name(label, 60)}-{typed.id.removeprefix('ev-')}"


def url_label(url: str) -> str:
    """A readable label for a URL: host and path without the scheme or a password, decoded."""
    url = redact_url(url)
    parts = urlsplit(url)
    text = (parts.netloc + parts.path).rstrip("/") or url
    if parts.query:
        text += "_" + parts.query
    return unquote(text)


class EvidenceFolder(Protocol):
    """Where evidence files go and how they are named in records: what capturing and saving
    need of a workspace (a Workspace is one)."""

    @property
    def root(self) -> Path: ...
    @property
    def name(self) -> str: ...
    @property
    def evidence_dir(self) -> Path: ...
    def relative(self, path: Path) -> str: ...


def save_file(folder_of: EvidenceFolder, record: dict[str, Any], kind: str, suffix: str,
              data: bytes, label: str | None = None) -> dict[str, Any]:
    """Write one evidence file for `record` and add its entry (path, SHA-256, size)."""
    folder = site_folder(folder_of.evidence_dir, record["site"])
    name = file_stem(record, label or url_label(record["requested_url"] or "page")) + suffix
    path = folder / name
    atomic_write(path, data)
    entry = EvidenceFile(kind, folder_of.relative(path), hashlib.sha256(data).hexdigest(),
                         len(data)).to_dict()
    record["files"].append(entry)
    return entry


def shared_path(folder: Path, sha256: str) -> Path:
    """Where a shared folder of evidence files (the team server's `[server] files`) keeps
    the file whose SHA-256 is `sha256`."""
    return folder / sha256[:2] / sha256


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 hex digest and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def store_records(store: Store, records: Sequence[Evidence]) -> int:
    """Store evidence records and link each one that names a question to its answers.

    Returns the number of answers that gained a link.
    """
    if not records:
        return 0
    store.add_evidence(records)
    linked = 0
    for record in records:
        if record.question:
            linked += store.link_evidence(record.site, record.question, record.id)
    return linked


def manifest_path(evidence_dir: Path, run: str) -> Path:
    return evidence_dir / f"{MANIFEST_PREFIX}{run}.json"


def write_manifest(folder: EvidenceFolder, run: str, records: Sequence[Evidence]) -> Path:
    """evidence/manifest-<run>.json with every record, every field of each (verify compares
    them all with the store), and its own SHA-256 beside it."""
    path = manifest_path(folder.evidence_dir, run)
    body = {"run": run, "workspace": folder.name, "govaudit": __version__,
            "created": utc_time(), "records": [stored_form(r) for r in records]}
    data = (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    atomic_write(path, data)
    digest = hashlib.sha256(data).hexdigest()
    atomic_write(path.with_name(path.name + ".sha256"),
                  f"{digest}  {path.name}\n".encode())
    return path


def attach(folder_of: EvidenceFolder, checklist: Checklist, store: Store, site: str,
           question: str, source: Path, run: str | None = None) -> Evidence:
    """Copy a file taken elsewhere (an app or WeChat screenshot) into evidence/ and record it.

    The record is stored, linked to the question's answers, and written to a
    one-record manifest.
    """
    store.site(site)  # unknown site: clear error before anything is written
    q = checklist.question(question)
    if q is None:
        raise UnknownName("question", question, [q.id for q in checklist.questions],
                          checklist_where(checklist), hint="checklist_show")
    source = Path(source)
    elsewhere = _leads_elsewhere(source)
    if elsewhere:
        raise GovauditError(_("{source}: {elsewhere}; nothing attached").format(
            source=source, elsewhere=elsewhere))
    try:
        handle = open_regular(source)
    except FileNotFoundError:
        raise GovauditError(_("{source}: no such file").format(source=source)) from None
    except NotRegularFile as exc:
        raise GovauditError(_("{error}; nothing attached").format(error=exc)) from None
    except OSError as exc:
        raise GovauditError(_("{source}: cannot read it ({strerror})").format(
            source=source, strerror=exc.strerror)) from None
    pseudo = pseudo_filesystem(handle.fileno(), source)
    if pseudo:
        handle.close()
        raise GovauditError(_(
            "{source}: on a {pseudo} file system, a view of the system's own state, not a file "
            "taken elsewhere; nothing attached").format(source=source, pseudo=pseudo))
    run = run or new_run_id()
    record = new_evidence(run=run, site=site, indicator=q.indicator_id, question=question)
    suffix = source.suffix.lower()
    kind = SUFFIX_KINDS.get(suffix, "attachment")
    folder = site_folder(folder_of.evidence_dir, site)
    created = not folder.is_dir()
    started = datetime.now(UTC)
    tmp: str | None = None
    try:
        with handle:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / (file_stem(record, f"attach-{Path(source.name).stem}")
                               + suffix[:16])
            fd, tmp = temporary_beside(folder / ".attach")
            with os.fdopen(fd, "wb") as copy:
                shutil.copyfileobj(handle, copy)
        refusal = content_problem(Path(tmp), suffix)
        if refusal:
            raise GovauditError(_("{source}: {refusal}; nothing attached").format(
                source=source, refusal=refusal))
        digest, size = sha256_file(Path(tmp))
        os.replace(tmp, target)
    except (OSError, GovauditError) as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        if isinstance(exc, GovauditError):
            raise
        raise GovauditError(_("{source}: cannot copy into {folder} ({strerror})").format(
            source=source, folder=folder, strerror=exc.strerror)) from None
    record = replace(record, title=source.name,
                     files=(EvidenceFile(kind, folder_of.relative(target), digest, size),),
                     duration_ms=int((datetime.now(UTC) - started).total_seconds() * 1000))
    store_records(store, [record])
    write_manifest(folder_of, run, [record])
    return record


@dataclass
class FileProblem:
    path: str
    # "missing", "changed", "differs from the manifest", "not in the manifest",
    # "outside the workspace", "outside evidence/", "not a regular file", "unreadable",
    # "not in the store", "not in a manifest", "not recorded"
    problem: str
    record: str = ""  # evidence id, or "" for a manifest or a file nobody describes
    site: str = ""
    expected: str = ""
    actual: str = ""


@dataclass
class VerifyResult:
    files: int = 0
    records: int = 0
    manifests: int = 0
    problems: list[FileProblem] = field(default_factory=list)
    # what could not be checked, said rather than passed over (older manifests' records)
    warnings: list[str] = field(default_factory=list)
    # one per manifest and evidence file: hash, timestamp, signature, WACZ (archive.checks)
    verdicts: list[Any] = field(default_factory=list)  # archive.checks.FileVerdict

    @property
    def bad(self) -> list[Any]:
        """The verdicts that are not ok."""
        return [v for v in self.verdicts if not v.ok]

    @property
    def count(self) -> int:
        """How many things are wrong: the problems, and bad verdicts of other files."""
        named = {p.path for p in self.problems}
        return len(self.problems) + sum(1 for v in self.bad if v.path not in named)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.bad


# Files that file managers leave in any folder they show.
_FOLDER_CLUTTER = {".DS_Store", "Thumbs.db", "desktop.ini"}
T = TypeVar("T")


def verify(folder_of: EvidenceFolder, store: Store, companions: tuple[str, ...] = ()
           ) -> VerifyResult:
    """Check the store's records, the manifests and the files on disk against each other
    (Audit.verify adds each file's verdict from govaudit.archive.checks).

    Every file named by a record in the store or in a manifest must be inside
    the workspace's evidence folder, a regular file, and have one SHA-256 in
    the store, in the manifests and on disk; every record must be both in the
    store and in a manifest; each manifest must match its .sha256; and every
    file under evidence/ must be described by some record. Nothing outside
    the workspace is read.
    """
    result = VerifyResult()
    listed = _read_manifests(folder_of, result)
    stored: dict[str, dict[str, Any]] = {}
    for entry in store.evidence():
        stored.setdefault(str(entry.get("id", "")), entry)
    checker = _FileChecker(folder_of, result, companions)
    lacking: _Lacking = {}
    for rid in [*stored, *(r for r in listed if r not in stored)]:
        result.records += 1
        record = stored.get(rid)
        copies = listed.get(rid, [])
        site = str((record or copies[0][1]).get("site", ""))
        in_store = _files_of(record) if record is not None else {}
        in_manifests = [_files_of(copy) for _, copy in copies]
        if record is None:
            for manifest, _ in copies:
                result.problems.append(FileProblem(manifest, "not in the store", rid, site))
        elif not copies:
            result.problems.append(FileProblem(next(iter(in_store), ""), "not in a manifest",
                                               rid, site))
        else:
            for manifest, copy in copies:
                _compare_fields(record, copy, manifest, rid, result, lacking)
        for path in dict.fromkeys([*in_store, *(p for files in in_manifests for p in files)]):
            checker.check(path, rid, site, in_store.get(path),
                          [files.get(path) for files in in_manifests], record is not None)
    checker.unrecorded()
    result.warnings = [
        f"{manifest}: written by govaudit {version or '(unknown version)'}, whose records lack "
        f"{', '.join(sorted(names))} ({len(ids)} record(s)): those fields are not compared "
        "with the store" for (manifest, version), (names, ids) in lacking.items()]
    return result


# The fields of an evidence record, each compared between the store and the manifests.
RECORD_FIELDS = tuple(f.name for f in fields(Evidence))
# (manifest, the govaudit that wrote it) -> (the fields its records lack, those records' ids)
_Lacking = dict[tuple[str, str], tuple[set[str], set[str]]]


def _compare_fields(stored: dict[str, Any], listed: dict[str, Any], manifest: str, rid: str,
                    result: VerifyResult, lacking: _Lacking) -> None:
    """A problem for each field of a record whose value in the store is not the manifest's
    (a record moved to another site is its site); a field a manifest lacks is noted."""
    store_form = Evidence.from_dict(stored).to_dict()
    manifest_form = Evidence.from_dict(listed).to_dict()
    site = str(stored.get("site", ""))
    absent = [name for name in RECORD_FIELDS if name not in listed and name in stored]
    for name in RECORD_FIELDS:
        if name in absent or name not in listed:
            continue
        if name == "files":  # their content is checked file by file; here the rest
            same = _without_hashes(store_form[name]) == _without_hashes(manifest_form[name])
        else:
            same = store_form[name] == manifest_form[name]
        if not same:
            result.problems.append(FileProblem(
                manifest, f"{name} differs from the manifest", rid, site,
                expected=_shown(manifest_form[name]), actual=_shown(store_form[name])))
    if absent:
        names, ids = lacking.setdefault((manifest, str(listed.get("govaudit", ""))),
                                        (set(), set()))
        names.update(absent)
        ids.add(rid)


def _without_hashes(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """File entries without what describes their content (hash, size): that is checked file
    by file, against the file itself."""
    return [{k: v for k, v in f.items() if k not in ("sha256", "bytes")} for f in files]


def _shown(value: Any) -> str:
    """A field's value as a problem shows it."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _files_of(record: dict[str, Any]) -> dict[str, str]:
    """{path: recorded sha256} of a record's files."""
    return {f.path: f.sha256 for f in Evidence.from_dict(record).files}


def _read_manifests(folder_of: EvidenceFolder, result: VerifyResult
                    ) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Check each manifest against its .sha256; {evidence id: [(manifest, record)]}."""
    folder = folder_of.evidence_dir
    listed: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    names = {p.name.removesuffix(".sha256") for p in folder.glob(f"{MANIFEST_PREFIX}*.json*")
             if p.name.endswith((".json", ".json.sha256"))} if folder.is_dir() else set()
    for name in sorted(names):
        result.manifests += 1
        relative = f"{folder_of.relative(folder)}/{name}"
        sums, sums_problem = _read_checked(folder / f"{name}.sha256", _read_all)
        if sums_problem:
            result.problems.append(FileProblem(f"{relative}.sha256", sums_problem))
        expected = ((sums or b"").decode("utf-8", "replace").split() or [""])[0].lower()
        data, problem = _read_checked(folder / name, _read_all)
        if data is None:
            result.problems.append(FileProblem(relative, problem, expected=expected))
            continue
        actual = hashlib.sha256(data).hexdigest()
        if not sums_problem and actual != expected:
            result.problems.append(FileProblem(relative, "changed", expected=expected,
                                               actual=actual))
        try:
            records = json.loads(data)["records"]
            if not isinstance(records, list):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            result.problems.append(FileProblem(relative, "unreadable", actual=actual))
            continue
        for record in records:
            if isinstance(record, dict):
                listed.setdefault(str(record.get("id", "")), []).append((relative, record))
    return listed


class _FileChecker:
    """Locates and hashes evidence files once each, and remembers which files are described."""

    def __init__(self, folder_of: EvidenceFolder, result: VerifyResult,
                 companions: tuple[str, ...] = ()) -> None:
        self.companions = companions
        self.folder_of = folder_of
        self.root = folder_of.root.resolve()
        self.folder = folder_of.evidence_dir.resolve()
        self.result = result
        self.described: set[str] = set()
        self.digests: dict[Path, tuple[str | None, str]] = {}

    def check(self, path: str, rid: str, site: str, in_store: str | None,
              in_manifests: list[str | None], stored: bool) -> None:
        """One file of one record: its hash in the store and in each manifest (None: not there).

        `stored` says whether the record is in the store at all (when it is not,
        that was reported once for the whole record).
        """
        self.result.files += 1
        self.described.add(os.path.normpath(self.folder_of.root / path))

        def problem(kind: str, expected: str = "", actual: str = "") -> None:
            self.result.problems.append(FileProblem(path, kind, rid, site, expected, actual))

        located, where = self._locate(path)
        if located is None:
            return problem(where)
        self.described.add(str(located))
        hashes = [h for h in (in_store, *in_manifests) if h is not None]
        if located not in self.digests:
            self.digests[located] = _read_checked(located, _sha256_of)
        digest, failure = self.digests[located]
        if digest is None:
            return problem(failure, hashes[0])
        if in_store is not None and None in in_manifests:
            return problem("not in the manifest", in_store, digest)
        if in_store is None and stored:
            return problem("not in the store", hashes[0], digest)
        manifest = next((h for h in in_manifests if h is not None and h != in_store), None)
        if in_store is not None and manifest is not None:
            return problem("differs from the manifest", manifest, digest)
        if digest != hashes[0]:
            problem("changed", hashes[0], digest)
        return None

    def _locate(self, relative: str) -> tuple[Path | None, str]:
        """The real path of a recorded file, or why it may not be read (links resolved)."""
        try:
            path = (self.root / relative).resolve()
        except (OSError, RuntimeError, ValueError):
            return None, "unreadable"
        if not path.is_relative_to(self.root):
            return None, "outside the workspace"
        if not path.is_relative_to(self.folder):
            return None, "outside evidence/"
        return path, ""

    def unrecorded(self) -> None:
        """Report every file under evidence/ that no record describes.

        A manifest, and the companions (timestamp tokens, signatures: the suffixes
        in `companions`) kept beside a described file or a manifest, are described
        by what they cover.
        """
        top = self.folder_of.evidence_dir
        manifests = {os.path.normpath(p) for p in top.glob(f"{MANIFEST_PREFIX}*.json")}
        covered = self.described | manifests
        for folder, dirs, names in os.walk(top):
            dirs.sort()
            links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
            for name in sorted(names + links):
                full = os.path.normpath(os.path.join(folder, name))
                if name in _FOLDER_CLUTTER or full in covered:
                    continue
                if folder == str(top) and name.startswith(MANIFEST_PREFIX) and \
                        name.endswith(".json.sha256"):
                    continue  # checked with the manifests, there or not
                if any(full.endswith(s) and full.removesuffix(s) in covered
                       for s in self.companions):
                    continue
                relative = Path(full).relative_to(self.folder_of.root).as_posix()
                self.result.problems.append(FileProblem(relative, "not recorded"))


def _read_all(handle: io.BufferedReader) -> bytes:
    return handle.read()


def _sha256_of(handle: io.BufferedReader) -> str:
    return hashlib.file_digest(handle, "sha256").hexdigest()


def _read_checked(path: Path, use: Callable[[io.BufferedReader], T]) -> tuple[T | None, str]:
    """(use(the opened file), "") for a regular file; else (None, what is wrong)."""
    try:
        with open_regular(path) as handle:
            return use(handle), ""
    except FileNotFoundError:
        return None, "missing"
    except NotRegularFile:
        return None, "not a regular file"
    except OSError:
        return None, "unreadable"


class NotRegularFile(OSError):
    """The path is a symbolic link, a folder, a pipe, a device or a socket."""


def _leads_elsewhere(path: Path) -> str | None:
    """Why `path` opens another file than the one it names, through a link in a folder, or None.

    `shots/link/../x` opens x beside wherever the link points, not shots/x; a folder
    typed in a relative path that is a link leads out of the folder the user named.
    Links above the current folder (the system's own) are the user's business.
    """
    named = Path(os.path.normpath(os.path.abspath(path)))
    with contextlib.suppress(OSError):
        if os.path.realpath(path) != os.path.realpath(named):
            return "'..' in it passes through a symbolic link and leads to another file"
    base = Path.cwd()
    try:  # the command line makes a typed path absolute from here
        typed = path.relative_to(base) if path.is_absolute() else path
    except ValueError:
        return None
    for part in Path(os.path.normpath(typed)).parent.parts:
        base = base / part
        if part != ".." and base.is_symlink():
            return f"the folder {base} is a symbolic link, not the folder named"
    return None


def open_regular(path: Path) -> io.BufferedReader:
    """Open a regular file for reading; never follow a link at its end, never block on a pipe.

    Raises NotRegularFile for anything but a regular file, FileNotFoundError
    when there is nothing, and OSError for other failures.
    """
    info = os.lstat(path)  # before opening: opening a device or a pipe may do things
    if not stat.S_ISREG(info.st_mode):
        raise NotRegularFile(f"{path}: {_not_regular(info.st_mode)}")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
        | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # replaced by a link since lstat
            raise NotRegularFile(f"{path}: {_not_regular(stat.S_IFLNK)}") from None
        raise
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NotRegularFile(f"{path}: {_not_regular(mode)}")
    return os.fdopen(fd, "rb")


_NOT_REGULAR = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a pipe"), (stat.S_ISSOCK, "a socket"),
                (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def _not_regular(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISLNK(mode):
        return "a symbolic link, not the file itself"
    what = next((name for test, name in _NOT_REGULAR if test(mode)), "")
    return f"not a regular file ({what})" if what else "not a regular file"
