"""Driving the simulated platforms' web UI (fixtures/webui) with Playwright and Debian's chromium.

``browser``: launch/stop the shared headless chromium; ``client``: a page object acting as platform
users; ``rendered``: received-versus-rendered comparison; ``phase``: the UI phase of an acceptance
run; ``simulate``: the interactive ``acceptance simulate`` session.
"""

from harness.ui.browser import CHROMIUM_ARGS, BrowserError, UIBrowser, browser_unavailable

__all__ = ["CHROMIUM_ARGS", "BrowserError", "UIBrowser", "browser_unavailable"]
