"""Published HTTP contracts of plugin-shipped adapters, checked with the harness as the HTTP client.

* :mod:`.model`: the contract file (``fixtures/contracts/<name>.yaml``), validated with clear errors;
* :mod:`.environment`: AstrBot with the adapter plugin, the probe and the stand-in model server, and the
  adapter instances the checks need (token / no token / custom prefix and limits / disabled);
* :mod:`.checks`: every documented item marked ``served`` / ``served-differently`` / ``absent``, the behaviour
  checks ``passed`` / ``failed``, anything served beyond the document ``undocumented``;
* :mod:`.report`: the JSON diff a CI job gates on, and the Markdown report.
"""
