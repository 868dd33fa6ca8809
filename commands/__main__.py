"""`python -m commands` runs the govaudit CLI."""

from commands.app import main

main()
