"""The outcome of one check of one file: ok, or what is wrong, or that there is nothing to check."""

from __future__ import annotations

from dataclasses import dataclass

OK, INVALID, ABSENT = "ok", "invalid", "absent"
# absent where the workspace signs or timestamps its manifests: removed, or never taken
MISSING = "missing"
# a token that is over the file's hash but cannot be traced to a TSA the workspace trusts
UNTRUSTED = "untrusted"
FAILED_STATES = (INVALID, MISSING, UNTRUSTED)


@dataclass(frozen=True)
class Verdict:
    state: str  # OK, INVALID, ABSENT, MISSING or UNTRUSTED
    reason: str = ""  # why it is not ok
    detail: str = ""  # what an ok check found: the time of a timestamp, the signer
    time: str = ""  # a timestamp's time (genTime, UTC), when the token could be read

    @property
    def ok(self) -> bool:
        return self.state == OK

    @property
    def failed(self) -> bool:
        """Whether this counts against the evidence (absent where nothing is required does
        not)."""
        return self.state in FAILED_STATES

    def __str__(self) -> str:
        text = self.state
        extra = self.reason or self.detail
        return f"{text} ({extra})" if extra else text
