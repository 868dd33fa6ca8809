"""Evidence records: typed in govaudit.model, stored as dicts, and read back from either."""

from __future__ import annotations

from govaudit.evidence import new_record
from govaudit.model import Evidence, EvidenceFile


def test_a_new_record_is_the_stored_form_of_an_evidence():
    record = new_record(run="r1", site="成都市", question="q1", requested_url="http://a/")
    evidence = Evidence.from_dict(record)
    assert (evidence.run, evidence.site, evidence.question, evidence.url) == (
        "r1", "成都市", "q1", "http://a/")
    assert evidence.to_dict() == record
    assert list(evidence.to_dict()) == list(record)  # the same fields, in the same order


def test_a_filled_record_round_trips_with_its_files():
    record = new_record(run="r1", site="s", requested_url="http://a/")
    record.update(final_url="http://a/b", status=200, capped_height=150000,
                  box={"x": 1, "y": 2, "width": 3, "height": 4},
                  headers=[["Content-Type", "text/html"]], timing={"elapsed_ms": 12})
    record["files"] = [
        {"kind": "png", "path": "evidence/s/a.01.png", "sha256": "ab", "bytes": 3,
         "segment": 1, "offset": 0, "height": 15000},
        {"kind": "html", "path": "evidence/s/a.html", "sha256": "cd", "bytes": 5,
         "inert": True},
    ]
    evidence = Evidence.from_dict(record)
    assert evidence.url == "http://a/b"
    assert evidence.files[0] == EvidenceFile("png", "evidence/s/a.01.png", "ab", 3, 1, 0, 15000)
    assert evidence.files[1].inert
    assert evidence.headers == (("Content-Type", "text/html"),)
    assert evidence.to_dict() == record


def test_an_old_or_odd_stored_record_still_loads():
    evidence = Evidence.from_dict({"id": "ev-1", "site": "s", "files": [
        {"path": "evidence/s/x.png", "sha256": "ABC"}, "not a file", {"kind": "png"}],
        "status": "200", "headers": "none", "title": None, "later_field": 1})
    assert (evidence.id, evidence.run, evidence.title, evidence.status) == ("ev-1", "", "", None)
    assert [(f.kind, f.path, f.sha256) for f in evidence.files] == [
        ("", "evidence/s/x.png", "abc"), ("png", "", "")]
    assert evidence.headers == () and evidence.failure == ""
