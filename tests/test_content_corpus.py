"""The text checks over the labelled content corpus (tests/content_corpus): on every page,
names, words and personal data find what the labels say, no more and no less.

benchmarks/content_accuracy.py prints the same as precision and recall (with hidden links
in Chromium and 留言 replies); this keeps the text checks from slipping between its runs.
"""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from govaudit.content.checker import ContentChecker
from govaudit.content.settings import ContentSettings
from tests.content_helpers import CORPUS, EXAMPLES, ON, corpus_findings, label

LABELS = yaml.safe_load((CORPUS / "labels.yaml").read_text(encoding="utf-8"))
TEXT_CHECKS = ("names", "words", "personal")


@pytest.fixture(scope="module")
def checker() -> ContentChecker:
    return ContentChecker(ContentSettings(names=(EXAMPLES / "names.yaml",),
                                          words=(EXAMPLES / "words.yaml",),
                                          confusions=(EXAMPLES / "confusions.txt",)), ON)


@pytest.mark.parametrize("name", sorted(n for n, expect in LABELS.items()
                                        if set(expect) & set(TEXT_CHECKS)))
def test_each_page_gives_what_its_labels_say(checker: ContentChecker, name: str):
    found = Counter(key for f in corpus_findings(checker, name)[1] if (key := label(f)))
    for check in TEXT_CHECKS:
        if check in LABELS[name]:
            assert Counter({k: v for k, v in found.items() if k[0] == check}) == \
                Counter((check, x) for x in LABELS[name][check]), check


def test_the_names_part_holds_forty_findings_and_clean_pages():
    names = [expect["names"] for expect in LABELS.values() if "names" in expect]
    assert sum(len(n) for n in names) >= 40
    assert sum(1 for n in names if not n) >= 20
