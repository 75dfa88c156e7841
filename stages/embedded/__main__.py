"""`python -m stages.embedded`: the stage is the package's `main` (stages/embedded/__init__.py)."""

from stages.embedded import main

main()
