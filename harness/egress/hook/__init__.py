"""Not imported by the harness: this folder goes first on a framework process's ``PYTHONPATH`` so that
its ``sitecustomize.py`` runs at that interpreter's start-up (a package only so that installs ship it)."""
