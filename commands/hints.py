"""The CLI's words for what the core signals: the option or command that does what an
error's `hint` names, and the options behind a ConflictError's settings."""

from __future__ import annotations

from govaudit.errors import ConflictError, GovauditError, OptionError
from govaudit.i18n import N_, _

# a library setting whose option has another name
OPTION_NAMES = {"timeout_s": "timeout", "extra_wait_s": "extra-wait",
                "max_download_mb": "max-download", "memory_limit_mb": "memory-limit",
                "out": "output", "print_to": "print"}

# hint id -> what to do, in the CLI's words (its placeholders are the error's hint_args)
HINTS = {
    "allow_private": N_("--allow-private allows private addresses"),
    "force": N_("use --force to read it anyway (rows whose question ids are unknown are "
                "refused)"),
    "add_sites": N_("give --add-sites to add them (nothing was imported)"),
    "checklist_show": N_("'govaudit checklist show' lists them"),
    "capture_evidence": N_("capture it with 'govaudit evidence --site {site}'"),
    "evidence_verify": N_("run 'govaudit evidence verify'"),
    "evidence_keygen": N_("make one with 'govaudit evidence keygen'"),
    "tsa": N_("give --tsa URL"),
    "doctor": N_("run 'govaudit doctor'"),
    "browser_path": N_("or point govaudit at a browser with --browser-path or "
                       "$GOVAUDIT_BROWSER"),
    "collect_open": N_("run collect --open again to reopen it"),
    "name_site": N_("name one with --site"),
    "checklist_import": N_("turn an indicator table into a checklist with "
                           "'govaudit checklist import {path}' (a .xls saved as .xlsx first)"),
    "add_site": N_("add them with 'govaudit sites import FILE' or 'govaudit sites add NAME URL'"),
    "link_evidence": N_("or use --link-evidence"),
    "report_first": N_("run 'govaudit report' first"),
    "attach": N_("capture it by hand with 'govaudit evidence attach'"),
    "drop_sheet": N_("drop --sheet {sheet}"),
    "export_into": N_("to update only govaudit's sheets inside a team workbook, use "
                      "'govaudit export --into {path}'; to replace the whole file, add "
                      "--overwrite"),
    "new_workbook": N_("to write a new one, give -o {name} instead of --into"),
    "into_again": N_("rename them, then run --into again"),
    "accept_loss": N_("to update it anyway, run again with --accept-loss (the previous file "
                      "is kept as a backup); or keep the team's workbook as it is and copy "
                      "govaudit's sheets in from 'govaudit export -o FILE'"),
    "init": N_("run 'govaudit init DIR --checklist NAME --evaluator NAME', then cd into it "
               "(or pass --workspace DIR)"),
    "answer_again": N_("answer it again: govaudit answer {site} {question} VALUE"),
    "role": N_("give another role name with --role (letters, digits and _, e.g. --role "
               "zhangsan)"),
    "add_evaluator": N_("add them with 'govaudit server add-evaluator'"),
    "sync": N_("the lead's 'govaudit sync' pushes them"),
    "sync_again": N_("run 'govaudit sync' again"),
    "service": N_("or give --service NAME"),
    "migrate": N_("run 'govaudit server migrate' as the server's owner"),
    "reason": N_("give --reason \"…\""),
    "log_verify": N_("run 'govaudit log verify'"),
    "with_answers": N_("give --with-answers to remove it (the answers are archived)"),
    "checklist_option": N_("give the checklist with --checklist ID (or a .yaml file)"),
    "checklist_force": N_("give the one to score with --checklist ID, and --force to read the "
                          "others"),
}


def option_flag(field: str) -> str:
    """The CLI option of a library setting: 'wait_until' -> '--wait-until'."""
    return "--" + OPTION_NAMES.get(field, field).replace("_", "-")


def hint_text(error: GovauditError) -> str:
    """What the CLI says to do about `error`, "" when it signals nothing."""
    words = HINTS.get(error.hint or "")
    if words is None:
        return ""
    return _(words).format(**error.hint_args)


def error_text(error: GovauditError) -> str:
    """The message of `error` as the CLI shows it: its options named as flags, its hint
    worded."""
    if isinstance(error, ConflictError):
        words = (_("give {first} or {second} (one of them)") if error.none_given
                 else _("give either {first} or {second}, not both"))
        message = words.format(first=option_flag(error.fields[0]),
                               second=", ".join(option_flag(f) for f in error.fields[1:]))
    elif isinstance(error, OptionError):
        message = f"{option_flag(error.field)} {error.detail}"
    else:
        message = str(error)
    hint = hint_text(error)
    return _("{message}; {hint}").format(message=message, hint=hint) if hint else message
