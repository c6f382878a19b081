"""Open a generated HTML report in the real browser and check that it works: it opens, its tables render,
its evidence anchors point at cited lines, and its screenshot links and images resolve from the report folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

_INSPECT_JS = r"""
() => {
  const tables = [...document.querySelectorAll('table[data-testid^="table-"]')].map(t => ({
    testid: t.dataset.testid, rows: t.querySelectorAll('tr[data-testid^="cap-"]').length,
    visible: t.getBoundingClientRect().height > 0,
  }));
  const anchors = [...document.querySelectorAll('a[href^="#"]')].map(a => a.getAttribute("href"));
  const missing = anchors.filter(h => h.length > 1 && !document.getElementById(decodeURIComponent(h.slice(1))));
  const shots = [...document.querySelectorAll('a[data-testid="screenshot-link"], a[data-testid="screenshot"]')]
    .map(a => ({href: a.getAttribute("href"), url: a.href, testid: a.dataset.testid}));
  const images = [...document.querySelectorAll('img.shot')].map(i => ({src: i.getAttribute("src"), loaded: i.complete && i.naturalWidth > 0,
                                                                      width: i.naturalWidth}));
  const levels = [...document.querySelectorAll('tr[data-testid^="cap-"] td:nth-child(3)')].map(td => td.textContent.trim());
  return {title: document.title, h1: (document.querySelector("h1") || {}).textContent || "",
          status: (document.querySelector('[data-testid="adapter-status"]') || {}).textContent || "",
          tables, anchors: anchors.length, missing, shots, images, levels};
}
"""


async def check_report(browser: Any, html: str | Path, *, timeout: float = 10.0) -> dict[str, Any]:
    """Inspect one per-adapter HTML report in ``browser`` (a started ``UIBrowser``); ``problems`` lists what is broken."""
    html = Path(html).resolve()
    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        response = await page.goto(html.as_uri(), wait_until="load", timeout=timeout * 1000)
        try:
            await page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=timeout * 1000)
        except Exception:
            pass  # reported per image below
        info = await page.evaluate(_INSPECT_JS)
    finally:
        await browser.close_page(page)
    problems: list[str] = []
    if response is not None and not response.ok:
        problems.append(f"the report did not open: {response.status}")
    if not info["tables"]:
        problems.append("no capability table rendered")
    problems += [f"table {t['testid']} is empty or hidden" for t in info["tables"] if not t["rows"] or not t["visible"]]
    problems += [f"evidence link {h} points at nothing" for h in info["missing"]]
    for shot in info["shots"]:
        href = shot["href"] or ""
        if href.startswith("/") or "://" in href:
            problems.append(f"screenshot link {href} is not relative to the report folder")
        target = Path(unquote(urlparse(shot["url"]).path))
        if not target.is_file():
            problems.append(f"screenshot link {href} does not resolve ({target})")
    problems += [f"screenshot image {i['src']} did not load" for i in info["images"] if not i["loaded"]]
    problems += [f"script error: {e}" for e in errors]
    info["problems"] = problems
    return info
