"""The govaudit command line: one Typer module per command, thin over govaudit/."""
