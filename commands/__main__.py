"""`python -m commands` runs the govaudit CLI."""

from .app import main

main()
