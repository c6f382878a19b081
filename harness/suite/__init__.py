"""The acceptance suite shipped with the harness: ``pytest --pyargs harness.suite -m plugin_e2e --adapter <adapter>``
runs it from any project (the plugin brings its options, fixtures and async settings; no ini needed)."""
