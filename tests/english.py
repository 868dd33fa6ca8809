"""English words left in what a Chinese run of govaudit prints.

What may stay as written: ids (questions, indicators, probes, content and conformance checks,
the refusal marks), URLs, file paths, the CLI's own words (`govaudit check --apply`), data
(checklist text, site names, notes: passed as `data`), and the abbreviations that Chinese
text uses as they are (HTTP, IPv6, ms, PNG…).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# abbreviations and units written as they are in Chinese text
ABBREVIATIONS = frozenset({
    "http", "https", "ipv4", "ipv6", "aaaa", "dns", "tls", "ssl", "ms", "kb", "mb", "gb", "p95",
    "png", "html", "mhtml", "pdf", "xlsx", "csv", "json", "wacz", "svg", "icp", "utc", "ip",
    "cdp", "id", "sha", "enter", "esc", "ctrl", "tab", "cjk", "ocr", "wcag", "app",
})
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+|\b(?:[a-z0-9-]+\.)+(?:cn|com|net|org|gov|edu|"
                  r"example|test)\b", re.IGNORECASE)
_PATH = re.compile(r"(?<![\w])(?:~|\.{1,2})?/[^\s:：，。；、)）]+|[\w.-]+\.(?:xlsx|xls|csv|json|"
                   r"html|png|pem|toml|zip|yaml|mhtml|wacz|tsr|sig)\b")
_COMMAND = re.compile(r"<[a-z]+[^>]*>|\bcd [^ ]+ &&|govaudit(?: [a-z][a-z-]*)*|"
                      r"(?<![\w-])--?[a-z][a-z-]*|\$[A-Z_]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[._-][A-Za-z0-9]+)*")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def data_words(texts: Iterable[str]) -> set[str]:
    """The words of data (checklist text, names, notes), which may be shown as written."""
    return {w.lower() for text in texts for w in _WORD.findall(text or "")}


def english_words(text: str, *, ids: Iterable[str] = (), data: Iterable[str] = ()) -> list[str]:
    """The English words of `text`, apart from ids, URLs, paths, CLI words, data and
    abbreviations, each with the line it is on: ['word  «line»', …]."""
    allowed = {i.lower() for i in ids} | {d.lower() for d in data} | ABBREVIATIONS
    found = []
    for line in _ANSI.sub("", text).splitlines():
        rest = _COMMAND.sub(" ", _PATH.sub(" ", _URL.sub(" ", line)))
        for word in _WORD.findall(rest):
            lowered = word.lower()
            if lowered in allowed or all(p in allowed for p in re.split(r"[._]", lowered)):
                continue  # an id, or an id of ids (https.certificate)
            if re.fullmatch(r"(?:ev-)?[0-9a-f]{6,}|[A-Z]?\d+[A-Za-z]?|[A-Za-z]\d*", word):
                continue  # evidence ids and digests, numbered items (A1, 3a), a letter (a key)
            found.append(f"{word}  «{line.strip()}»")
    return found
