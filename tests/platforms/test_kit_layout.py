"""The kit's layout: generic modules name no platform, each registered platform lives in one folder."""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from pathlib import Path

import pytest

from acceptance_fixtures.platforms import registry

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_WORDS = re.compile(r"onebot|aiocqhttp|post_type|\bqq\b|cqhttp", re.IGNORECASE)
#: The platform kit's own generic modules (the rest of the generic code is checked by the count in the issue).
GENERIC = [
    "fixtures/platforms/__init__.py", "fixtures/platforms/base.py", "fixtures/platforms/discovery.py",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "fixtures" / "simulator").glob("*.py")),
    "harness/adapter_live/targets.py", "harness/frameworks/manifests.py", "harness/frameworks/spec.py",
]


def test_generic_modules_name_no_platform() -> None:
    """The kit's own modules: not even a comment names a platform."""
    hits = [f"{f}:{i}: {line.strip()}" for f in GENERIC
            for i, line in enumerate((ROOT / f).read_text("utf-8").splitlines(), 1) if PLATFORM_WORDS.search(line)]
    assert hits == []


# ---- the rest of the generic code: code lines only ------------------------------------------------------------------
#: Generic code (Python files under these folders, and these files). ``harness/frameworks/inside/`` runs inside a
#: framework and its docstrings describe LangBot's routes; it is the one generic-tree exception.
CODE_SCOPE = ["harness", "fixtures/simulator", "fixtures/webui", "probes", "fixtures/world.py",
              "fixtures/platforms/base.py", "fixtures/platforms/discovery.py", "fixtures/platforms/__init__.py"]
CODE_EXCLUDED = ["harness/frameworks/inside"]
#: AstrBot's own message component ``At`` has a field literally named ``qq`` (``Comp.At(qq=...)``, read back as
#: ``getattr(comp, "qq")``): the framework's API, not a platform. Allowed only in the AstrBot probe, only on a
#: line that names ``At``, and only in these two shapes (code as :func:`code_lines` spells it: tokens spaced).
ASTRBOT_AT_FIELD = re.compile(r'\bAt \( qq =|\bget \( "qq" \)')
ASTRBOT_PROBE = "probes/astrbot/"


def code_scope() -> list[str]:
    out: list[str] = []
    for entry in CODE_SCOPE:
        path = ROOT / entry
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        out += [str(f.relative_to(ROOT)) for f in files if "__pycache__" not in f.parts]
    return [f for f in out if not any(f.startswith(x + "/") for x in CODE_EXCLUDED)]


def code_lines(source: str) -> dict[int, str]:
    """Line number -> the line's code tokens, space-joined, without comments and documentation strings (any
    statement that is a bare string: module, class and function docstrings, attribute docstrings)."""
    docs: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            docs.update(range(node.lineno, node.end_lineno + 1))
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    lines: dict[int, list[str]] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in skip or (tok.type == tokenize.STRING and tok.start[0] in docs):
            continue
        lines.setdefault(tok.start[0], []).append(tok.string)
    return {n: " ".join(toks) for n, toks in lines.items()}


def platform_code_hits(path: str, source: str) -> list[str]:
    hits = []
    for n, code in sorted(code_lines(source).items()):
        if path.startswith(ASTRBOT_PROBE) and re.search(r"\bAt\b", code):
            code = ASTRBOT_AT_FIELD.sub("At-field", code)
        if PLATFORM_WORDS.search(code):
            hits.append(f"{path}:{n}: {code}")
    return hits


def test_the_code_line_check_reads_code_only() -> None:
    src = ('"""Docs may say onebot-v11@reverse-ws."""\n'
           'class A:\n    """A QQ-shaped world."""\n    x = 1  # an aiocqhttp comment\n    """post_type, documented."""\n'
           'MODE = "onebot-v11@reverse-ws"\n'
           'kind = event["post_type"]\n'
           'comps.append(Comp.At(qq=target))\n'
           'qq = 1\n')
    assert platform_code_hits("harness/x.py", src) == [
        'harness/x.py:6: MODE = "onebot-v11@reverse-ws"', 'harness/x.py:7: kind = event [ "post_type" ]',
        "harness/x.py:8: comps . append ( Comp . At ( qq = target ) )", "harness/x.py:9: qq = 1"]
    assert platform_code_hits(ASTRBOT_PROBE + "x.py", src) == [
        f'{ASTRBOT_PROBE}x.py:6: MODE = "onebot-v11@reverse-ws"', f'{ASTRBOT_PROBE}x.py:7: kind = event [ "post_type" ]',
        f"{ASTRBOT_PROBE}x.py:9: qq = 1"]  # the At field only, not any qq


def test_generic_code_names_no_platform() -> None:
    scope = code_scope()
    assert "harness/acceptance_run.py" in scope and "fixtures/webui/view.py" in scope and "fixtures/world.py" in scope
    assert not any(f.startswith("harness/frameworks/inside/") for f in scope)
    hits = [hit for f in scope for hit in platform_code_hits(f, (ROOT / f).read_text("utf-8"))]
    assert hits == []


def test_each_platform_is_one_folder_under_platforms() -> None:
    for name, platform in registry().items():
        module = type(platform).__module__
        assert module.startswith("acceptance_fixtures.platforms."), (name, module)
        folder = Path(sys.modules[module].__file__).resolve().parent
        assert folder.parent == ROOT / "fixtures" / "platforms", (name, folder)
        for fw in platform.frameworks():
            path = platform.declaration(fw)
            assert path is None or folder in Path(path).resolve().parents, (name, fw, path)
        if platform.params_file() is not None:
            assert folder in platform.params_file().resolve().parents, name
    assert not (ROOT / "harness" / "data" / "declarations").exists()


ANY_PLATFORM_NAME = re.compile(r"onebot|aiocqhttp|telegram|discord|slack|lark|feishu|dingtalk|kook|qqofficial|qq_official|"
                            r"wecom|officialaccount|tailchat|tangsengdaodao|tsdd|post_type", re.IGNORECASE)


def test_generic_files_name_no_platform_even_in_prose() -> None:
    """Not even a docstring or README outside a platform's own folder names a platform: each such place is one the
    next platform's author would have to edit (``git ls-files`` of harness/, probes/, fixtures/)."""
    import subprocess

    files = subprocess.run(["git", "ls-files", "harness", "probes", "fixtures"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    # fixtures/adapter_plugins/ holds reference adapters of named platforms: platform-specific by purpose
    hits = [f"{f}:{n}" for f in files if (not f.startswith(("fixtures/platforms/", "fixtures/adapter_plugins/"))
                                           or f.startswith("fixtures/platforms/") and f.count("/") == 2)
            for n, line in enumerate((ROOT / f).read_text("utf-8", "replace").splitlines(), 1) if ANY_PLATFORM_NAME.search(line)]
    assert hits == []
