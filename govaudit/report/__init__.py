"""The HTML evidence report: team overview, one page per site, evidence thumbnails."""

from govaudit.report.build import build_report

__all__ = ["build_report"]
