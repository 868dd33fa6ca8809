"""The language of what govaudit shows: Chinese by default, English on request.

Messages are English in the source, wrapped in `_()` (or `ngettext`), and translated from
the gettext catalogs in govaudit/locale (`make messages` extracts and compiles them with
Babel). The language is, first found: `set_language` (the CLI's `--lang`), `language` in
the workspace's govaudit.toml (the CLI reads it), the locale (LC_ALL, LC_MESSAGES, LANG: an
`en_*` one is English), else Chinese. Data keeps its language: checklist text, site names
and notes are shown as written.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

DOMAIN = "govaudit"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("zh", "en")
DEFAULT = "zh"
# the catalog folder of each language: govaudit/locale/<folder>/LC_MESSAGES/govaudit.mo
CATALOGS = {"zh": "zh_CN", "en": "en"}
CONFIG_NAME = "govaudit.toml"

_chosen: str | None = None


def normalize(value: str) -> str:
    """'en', 'en_US.UTF-8', 'zh-CN', 'zh_CN' … as 'en' or 'zh'; ValueError otherwise."""
    code = value.strip().lower().replace("-", "_").split(".")[0].split("_")[0]
    if code in LANGUAGES:
        return code
    raise ValueError(f"{value!r}: the language is en or zh")


def from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """The language of the locale (the first of LC_ALL, LC_MESSAGES, LANG that is set), when
    it is English or Chinese; None for any other (C, POSIX, another language)."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            try:
                return normalize(value)
            except ValueError:
                return None
    return None


def from_workspace(start: Path | None = None) -> str | None:
    """`language` in the nearest govaudit.toml upwards from `start` (default: here), when it
    names a language; a file that cannot be read says nothing here (opening the workspace
    names its problem)."""
    try:
        here = Path(start or os.getcwd()).resolve()
        found = next((f / CONFIG_NAME for f in (here, *here.parents)
                      if (f / CONFIG_NAME).is_file()), None)
        if found is None:
            return None
        import tomllib  # only here: its import costs every run that reads no settings file

        value = tomllib.loads(found.read_text(encoding="utf-8")).get("language")
        return normalize(value) if isinstance(value, str) else None
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def set_language(value: str | None) -> None:
    """Show messages in `value` (en, zh, or a locale name) from now on; None goes back to the
    locale's language."""
    global _chosen
    _chosen = None if value is None else normalize(value)


def language() -> str:
    """The language messages are shown in now: 'zh' or 'en'."""
    return _chosen or from_environment() or DEFAULT


@cache
def catalog(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of `lang`; without one, the messages as written (English)."""
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[CATALOGS[lang]], fallback=True)


def _(message: str) -> str:
    """`message` in the current language."""
    return catalog(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for the count `n`, in the current language."""
    return catalog(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - gettext's name for a marker
    """Marks `message` for the catalogs where it is written (help text at import); `_()`
    translates it where it is shown."""
    return message


def NP_(context: str, message: str) -> str:  # noqa: N802 - as N_
    """N_() with a context (the catalogs' msgctxt), for names shown with pgettext."""
    return message


def pgettext(context: str, message: str) -> str:
    """`message` of `context` in the current language."""
    return catalog(language()).pgettext(context, message)


def choose(args: Sequence[str], start: Path | None = None) -> str:
    """The language of one command line: its `--lang` (before the command's name), the
    workspace's `language` (the `--workspace`/`-w` given, else the nearest upwards), the
    locale, else Chinese. Set as the current language and returned."""
    given = _option(args, ("--lang",))
    if given is not None:
        try:
            set_language(given)
            return language()
        except ValueError:
            pass  # the option's own check says what is wrong
    folder = _option(args, ("--workspace", "-w"))
    workspace = from_workspace(Path(folder) if folder else start)
    set_language(workspace)
    return language()


def _option(args: Sequence[str], names: tuple[str, ...]) -> str | None:
    for at, arg in enumerate(args):
        if arg == "--":
            break
        for name in names:
            if arg == name and at + 1 < len(args):
                return args[at + 1]
            if arg.startswith(name + "=") and name.startswith("--"):
                return arg[len(name) + 1:]
    return None
