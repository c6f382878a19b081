"""Library of the AstrBot acceptance probe (runs inside AstrBot; never imports the harness).

``config.py``, ``recorder.py`` and ``jsonsafe.py`` are the framework-neutral probe modules of
``probes/langbot/acceptance_probe`` and ``writer.py`` / ``redact.py`` the harness's evidence modules;
the harness copies all five in when it installs the plugin, so the source tree holds no copy.
"""
