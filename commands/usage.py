"""Click's usage errors in the current language.

The click that typer vendors writes its messages in English, without gettext: each known
form is matched here and worded through the catalogs ("No such option: --x" is
"没有此选项：--x"); a form not known here is shown as click wrote it.
"""

from __future__ import annotations

import re
from typing import Any

from govaudit.i18n import N_, _

# click's message forms, whole: (pattern, words); the named groups fill the words
_FORMS = (
    (r"No such option: (?P<name>.+?) \(Possible options: (?P<options>.+)\)",
     N_("No such option: {name} (did you mean {options}?)")),
    (r"No such option: (?P<name>.+)", N_("No such option: {name}")),
    (r"No such command '(?P<name>.+)'\.", N_("No such command '{name}'.")),
    (r"Missing option (?P<name>.+)\.", N_("Missing option {name}.")),
    (r"Missing argument (?P<name>.+)\.", N_("Missing argument {name}.")),
    (r"Missing parameter:? ?(?P<name>.*?)\.?", N_("Missing parameter {name}.")),
    (r"Option '(?P<name>.+)' requires an argument\.", N_("Option '{name}' requires an argument.")),
    (r"Option '(?P<name>.+)' requires (?P<count>\d+) arguments\.",
     N_("Option '{name}' requires {count} arguments.")),
    (r"Got unexpected extra argument(?:\(s\)|s)? \((?P<args>.*)\)",
     N_("Got unexpected extra arguments ({args})")),
    (r"Invalid value for (?P<name>.+?): (?P<reason>.+)", N_("Invalid value for {name}: {reason}")),
)
# why a value is invalid, in click's words
_REASONS = (
    (r"'?(?P<value>.*?)'? is not a valid integer\.?", N_("'{value}' is not a whole number")),
    (r"'?(?P<value>.*?)'? is not a valid float\.?", N_("'{value}' is not a number")),
    (r"'?(?P<value>.*?)'? is not a valid boolean\.?", N_("'{value}' is not yes or no")),
    (r"'?(?P<value>.*?)'? is not one of (?P<choices>.+?)\.?",
     N_("'{value}' is not one of {choices}")),
    (r"(?P<value>.+) is not in the range (?P<range>.+?)\.?",
     N_("{value} is not in the range {range}")),
    (r"Input should be a valid integer.*", N_("not a whole number")),
    (r"Input should be a valid number.*", N_("not a number")),
    (r"(?:File|Path|Directory) '(?P<path>.+)' does not exist\.?", N_("{path} does not exist")),
)


def _worded(text: str, forms: tuple[tuple[str, str], ...]) -> str | None:
    for pattern, words in forms:
        found = re.fullmatch(pattern, text, re.DOTALL)
        if found:
            fields = found.groupdict()
            if "reason" in fields:
                fields["reason"] = _worded(fields["reason"], _REASONS) or fields["reason"]
            return _(words).format(**fields)
    return None


def usage_text(exc: Any) -> str:
    """The message of click's UsageError `exc` in the current language."""
    message = exc.format_message()
    return _worded(message, _FORMS) or message


def show_usage_error(exc: Any, err_console: Any) -> None:
    """What click's UsageError.show writes (the usage, where to find help, the error), in the
    current language, on `err_console`."""
    ctx = exc.ctx
    if ctx is not None:
        err_console.print(ctx.get_usage(), markup=False, highlight=False)
        if ctx.command.get_help_option(ctx) is not None:
            err_console.print(_("Try '{command} {option}' for help.").format(
                command=ctx.command_path, option=ctx.help_option_names[0]),
                markup=False, highlight=False)
        err_console.print()
    err_console.print(_("Error: {message}").format(message=usage_text(exc)), markup=False,
                      highlight=False)
