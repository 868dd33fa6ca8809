"""The version of govaudit (one place: the wheel, the CLI and every record read it)."""

__version__ = "0.1.0"
