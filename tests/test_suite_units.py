"""The suite's work units (tests/conftest.py): every test file that asks for a costly
session fixture runs in that fixture's unit, so that `make test` builds it once."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import SHARED_SESSION, work_unit

SHARED = sorted(set(SHARED_SESSION.values()))


def test_every_file_that_asks_for_a_shared_fixture_is_in_its_unit():
    asking = {}
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        source = path.read_text("utf-8")
        for fixture in SHARED:
            if re.search(rf"def \w+\([^)]*\b{fixture}\b", source):
                asking[path.stem] = fixture
    assert {"test_agreement", "test_server_sync"} <= asking.keys()
    assert {stem: work_unit(stem) for stem in asking} == asking
