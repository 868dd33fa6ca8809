"""Probe names, and the `auto:` names a checklist question may carry."""

from __future__ import annotations

from govaudit.model import FEATURE_KEYS, MARK_KEYS

PROBE_NAMES = ("availability", "links", "ipv6", "marks", "freshness", "features")
AUTO_NAMES = (tuple(f"marks.{k}" for k in MARK_KEYS)
              + ("ipv6", "links", "availability", "freshness")
              + tuple(f"features.{k}" for k in FEATURE_KEYS))


def probe_of(auto: str) -> str:
    """The probe that answers an `auto:` name ("marks.icp" -> "marks")."""
    return auto.split(".", 1)[0]


__all__ = ["AUTO_NAMES", "FEATURE_KEYS", "MARK_KEYS", "PROBE_NAMES", "probe_of"]
