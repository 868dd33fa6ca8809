"""govaudit: evaluate government websites by hand, with evidence."""

__version__ = "0.1.0"
