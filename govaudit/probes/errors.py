"""The one exception a probe raises on purpose."""

from __future__ import annotations


class ProbeFailed(Exception):  # noqa: N818 - reads as "the probe failed: <reason>"
    """A probe that could not run; its message is the recorded reason."""
