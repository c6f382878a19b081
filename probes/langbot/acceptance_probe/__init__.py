"""Library of the acceptance probe plugin (runs inside LangBot's plugin runtime; never imports the harness)."""
