"""The numbered points (1. 2. …) of a 评估要点说明 or a 评分细则: each becomes a question."""

from __future__ import annotations

import re

# a numbered point: "1." / "1、" / "（1）", at the start or after a space or a stop
_POINT = re.compile(r"(?:^|(?<=[\s；;。：:]))"
                    r"(?:(\d{1,2})\s*[.、．]\s*(?!\d)|[（(](\d{1,2})[）)]\s*)")


def split_points(description: str) -> tuple[str, list[str]]:
    """The lead sentence and the numbered points of a 评估要点说明."""
    text = re.sub(r"</?p>", "\n", description).strip()
    matches = list(_POINT.finditer(text))
    # keep only a run numbered 1, 2, 3… so that figures inside a sentence are not points
    run: list[re.Match[str]] = []
    for match in matches:
        if int(match[1] or match[2]) == len(run) + 1:
            run.append(match)
    if not run:
        return text, []
    lead = text[: run[0].start()].strip()
    points = []
    for index, match in enumerate(run):
        end = run[index + 1].start() if index + 1 < len(run) else len(text)
        points.append(text[match.end(): end].strip().rstrip("；;。，, \n"))
    return lead, points
