"""Rendering the report pages with Jinja2 (autoescaped) from templates shipped as package data."""

from __future__ import annotations

import base64
import hashlib
from functools import cache, partial
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

import govaudit.glossary as glossary
from govaudit.bidi import show_bidi
from govaudit.chinatime import china_time
from govaudit.errors import GovauditError
from govaudit.files import atomic_write
from govaudit.i18n import _
from govaudit.scoring import SHOWN_DECIMALS
from govaudit.urls import readable_urls

# The templates are written in Chinese, the language of the report's readers.
REPORT_LANGUAGE = "zh"


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("govaudit.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True, finalize=_shown)
    env.filters["num"] = _number
    env.filters["readable"] = readable_urls  # URLs as people read them; hrefs stay exact
    # levels, verdicts and terms by their one name (govaudit.glossary), in the language the
    # templates are written in
    env.filters["level"] = partial(glossary.level, lang=REPORT_LANGUAGE)
    env.filters["verdict"] = partial(glossary.verdict, lang=REPORT_LANGUAGE)
    env.filters["check"] = partial(glossary.check, lang=REPORT_LANGUAGE)
    env.filters["china_time"] = partial(china_time, seconds=True)
    env.globals["term"] = partial(glossary.term, lang=REPORT_LANGUAGE)
    return env


def _shown(value: Any) -> Any:
    """Every text put into a page, its text-direction controls made visible."""
    return show_bidi(value) if type(value) is str else value


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
    try:
        atomic_write(path, text.encode("utf-8"))
    except OSError as exc:
        raise GovauditError(_("{path}: cannot write the report page ({strerror})").format(
            path=path, strerror=exc.strerror)) from None


def render_image_page(path: Path, title: str, src: str, version: str) -> None:
    """A page showing one image file with <img>: how the report opens an attached SVG, so
    that its scripts never run (an SVG opened as a document runs them)."""
    _write(path, environment().get_template("image.html").render(title=title, src=src,
                                                                 version=version))


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
