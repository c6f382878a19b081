"""Did the framework load a user's adapter plugin, and if not, why (in the framework's own words)?

AstrBot 4.14 reports a plugin that failed to import or start in its process log (``插件 <folder> 导入失败。原因：...``
or a ``----- 插件 <folder> 载入失败 -----`` block with the traceback, star_manager.py ``load``) and in the message
of ``GET /api/plugin/get`` (``failed_plugin_info``). A plugin that loaded is in that list by its metadata name.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from harness.adapter_plugins.folder import AdapterPlugin

#: A traceback's last line, after AstrBot's log prefix and its "| " block margin.
_EXC_LINE = re.compile(r"(?:^|\]:\s*\|?\s*|^\|\s*)([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)):\s*(.*)$")
_IMPORT_NAME = re.compile(r"cannot import name '([^']+)' from '(astrbot[\w.]*)'")
_NO_MODULE = re.compile(r"No module named '(astrbot[\w.]*)'")


@dataclass
class PluginStatus:
    plugin: AdapterPlugin
    loaded: bool = False
    error: str = ""  # "ExceptionType: message" as the framework logged it
    log_excerpt: str = ""
    likely_needs: str = ""  # which releases the plugin likely needs, when the harness can tell
    layer: str = ""  # what its requirements layer holds
    notes: list[str] = field(default_factory=list)

    def reason(self) -> str:
        """One paragraph for the report: what went wrong, in the framework's words, and what it would need."""
        if self.loaded:
            return ""
        text = f"AstrBot did not load the adapter plugin {self.plugin.folder} ({self.plugin.name})"
        text += f": {self.error}" if self.error else ": it is not in AstrBot's plugin list and AstrBot logged no error about it"
        if self.likely_needs:
            text += f". {self.likely_needs}"
        return text


def plugin_log_lines(log: str, folder: str, context: int = 40) -> list[str]:
    """The lines of the framework log about ``folder`` failing: its import/load failure blocks."""
    lines = log.splitlines()
    out: list[str] = []
    for i, line in enumerate(lines):
        if folder in line and ("导入失败" in line or "载入失败" in line or "Traceback" in line):
            start = max(0, i - context) if "导入失败" in line else i
            end = i + 1 if "导入失败" in line else min(len(lines), i + context)
            if "载入失败" in line:  # the block runs until AstrBot's closing rule
                for j in range(i + 1, min(len(lines), i + 400)):
                    if lines[j].rstrip().endswith("----------------------------------"):
                        end = j + 1
                        break
            out.extend(lines[start:end])
    return out


def exception_of(lines: list[str], fallback: str = "") -> str:
    """``Type: message`` of the last exception line in ``lines`` (a traceback's last line), or ``fallback``."""
    for line in reversed(lines):
        m = _EXC_LINE.search(line.strip())
        if m:
            return f"{m.group(1)}: {m.group(2)}".strip()
    return fallback


def likely_release(error: str, plugin: AdapterPlugin, current: str, others: dict[str, Path]) -> str:
    """Which releases the plugin probably needs: its metadata's own requirement, and for a name it imports from
    ``astrbot`` that ``current`` lacks, the cached releases (``others``: version -> interpreter) that have it."""
    parts = []
    if plugin.needs_astrbot:
        parts.append(f"its metadata asks for AstrBot {plugin.needs_astrbot}")
    m = _IMPORT_NAME.search(error)
    n = _NO_MODULE.search(error)
    probe = None
    if m:
        probe = (f"from {m.group(2)} import {m.group(1)}", f"{m.group(2)}.{m.group(1)}")
    elif n:
        probe = (f"import {n.group(1)}", n.group(1))
    if probe is not None:
        import tempfile

        have = []
        for version, python in sorted(others.items()):
            try:  # in a scratch folder: importing astrbot creates data/ in the working directory
                with tempfile.TemporaryDirectory(prefix="astrbot-compat-") as scratch:
                    ok = subprocess.run([str(python), "-c", probe[0]], capture_output=True, timeout=60, cwd=scratch).returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                continue
            if ok:
                have.append(version)
        if have:
            parts.append(f"{probe[1]} is missing in AstrBot {current} but present in {', '.join(have)} (cached releases "
                         "checked), so it likely needs one of those")
        else:
            parts.append(f"{probe[1]} is missing in AstrBot {current}"
                         + (f" and in the cached releases {', '.join(sorted(others))}" if others else "")
                         + "; the harness cannot tell which release has it")
    return "; ".join(parts)


_CONSTRUCT = r'''
import asyncio, importlib, json, sys, traceback
root, folder, entry, config = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
sys.path.insert(0, root)
out = {}
try:
    importlib.import_module(f"data.plugins.{folder}.{entry[:-3]}")
    from astrbot.core.platform.register import platform_cls_map
    cls = platform_cls_map.get(config["type"])
    if cls is None:
        out["error"] = f"the plugin's import registers no adapter of type {config['type']!r} (it may register it later, when AstrBot starts the plugin)"
    else:
        cls(config, {}, asyncio.Queue())
        out["ok"] = True
except BaseException as exc:
    out["error"] = f"{type(exc).__name__}: {exc}"
    out["traceback"] = traceback.format_exc()[-6000:]
print("ACCEPTANCE-CONSTRUCT " + json.dumps(out))
'''


def reproduce_construction(python: Path, astrbot_root: Path, plugin: AdapterPlugin, config: dict,
                           env: dict[str, str], timeout: float = 120.0) -> dict:
    """Construct the plugin's adapter the way AstrBot's platform manager does (``cls(config, settings, queue)``), in
    the framework's interpreter: AstrBot's dashboard answers a constructor's exception with its message only, and
    this gives its type and traceback. Returns ``{"ok": True}`` or ``{"error", "traceback"}``."""
    import json

    try:
        proc = subprocess.run([str(python), "-c", _CONSTRUCT, str(astrbot_root), plugin.folder, plugin.entry,
                               json.dumps(config)], capture_output=True, text=True, timeout=timeout, env=env,
                              cwd=str(astrbot_root))
    except subprocess.TimeoutExpired:
        return {"error": f"constructing the adapter did not finish within {timeout:.0f}s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("ACCEPTANCE-CONSTRUCT "):
            return json.loads(line.split(" ", 1)[1])
    return {"error": f"the construction check exited {proc.returncode}", "traceback": (proc.stderr or "")[-4000:]}
