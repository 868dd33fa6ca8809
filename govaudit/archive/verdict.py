"""The outcome of one check of one file: ok, or what is wrong, or that there is nothing to check."""

from __future__ import annotations

from dataclasses import dataclass

OK, INVALID, ABSENT = "ok", "invalid", "absent"


@dataclass(frozen=True)
class Verdict:
    state: str  # OK, INVALID or ABSENT
    reason: str = ""  # why it is invalid or absent
    detail: str = ""  # what an ok check found: the time of a timestamp, the signer

    @property
    def ok(self) -> bool:
        return self.state == OK

    def __str__(self) -> str:
        text = self.state
        extra = self.reason or self.detail
        return f"{text} ({extra})" if extra else text
