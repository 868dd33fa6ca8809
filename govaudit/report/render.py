"""Rendering the report pages with Jinja2 (autoescaped) from templates shipped as package data."""

from __future__ import annotations

import base64
import hashlib
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from govaudit.errors import GovauditError
from govaudit.scoring import SHOWN_DECIMALS


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("govaudit.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["num"] = _number
    return env


def _number(value: float | None, digits: int = SHOWN_DECIMALS) -> str:
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _asset(name: str) -> str:
    return resources.files("govaudit.report").joinpath("templates", name).read_text("utf-8")


def _csp(script: str) -> str:
    """No network, no scripts but ours: the page's one inline script is allowed by its hash."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return ("default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; "
            f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'")


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise GovauditError(f"{path}: cannot write the report page ({exc.strerror})") from None


def render_pages(out: Path, context: dict[str, Any], overview: dict[str, Any],
                 sites: list[Any]) -> Path:
    """Write index.html and one page per site into `out`; returns index.html."""
    env = environment()
    script = _asset("report.js")
    shared = {**context, "style": Markup(_asset("report.css")), "script": Markup(script),
              "csp": _csp(script)}
    site_template = env.get_template("site.html")
    for site in sites:
        _write(out / "sites" / site.page, site_template.render(**shared, site=site))
    index = out / "index.html"
    _write(index, env.get_template("index.html").render(**shared, **overview))
    return index
