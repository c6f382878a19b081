"""Third-party adapter plugins as systems under test (``--adapter-plugin DIR``).

* :mod:`.folder`: what a plugin folder is (checked before anything starts: a folder that is not a plugin is
  named as such), and which adapter types its source registers;
* :mod:`.layer`: its declared requirements, installed into a separate layer on the framework's path, so the
  cached framework environment is never changed;
* :mod:`.compat`: after the framework started with it, whether it loaded and whether its adapter constructs,
  with the framework's own error and the releases it would likely need.
"""

from harness.adapter_plugins.folder import AdapterPlugin, InvalidPlugin, inspect_plugin

__all__ = ["AdapterPlugin", "InvalidPlugin", "inspect_plugin"]
