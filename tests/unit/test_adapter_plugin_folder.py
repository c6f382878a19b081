"""What an adapter plugin folder is, read without importing it, and how a broken one is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.adapter_plugins import inspect_plugin
from harness.adapter_plugins.compat import PluginStatus, exception_of, plugin_log_lines
from harness.adapter_plugins.layer import install_plugin_copy
from harness.contract.model import load_contract
from harness.errors import InputError

pytestmark = pytest.mark.unit
REFERENCE = Path(__file__).resolve().parents[2] / "fixtures" / "adapter_plugins" / "reference_http_platform"


def test_the_reference_plugin_registers_http_adapter() -> None:
    p = inspect_plugin(REFERENCE)
    assert p.adapter_types == ("http_adapter",) and p.name == "astrbot_plugin_reference_http_platform" and p.entry == "main.py"


def test_registered_types_are_read_from_decorators_and_calls(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("x = 1\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text('@register_platform_adapter("one", "d")\nclass A: ...\n'
                                          'register_platform_adapter(\n    adapter_name="two")(B)\n')
    assert inspect_plugin(tmp_path).adapter_types == ("one", "two")


@pytest.mark.parametrize("make,words", [
    (lambda d: None, "no main.py"),
    (lambda d: (d / "main.py").write_text("") or (d / "metadata.yaml").write_text("name: [unclosed\n"), "metadata.yaml"),
    (lambda d: (d / "main.py").write_text("") or (d / "metadata.yaml").write_text("- a list\n"), "must be a mapping"),
])
def test_a_folder_that_is_not_a_plugin_is_named_with_what_is_wrong(tmp_path: Path, make, words) -> None:
    make(tmp_path)
    with pytest.raises(InputError) as info:
        inspect_plugin(tmp_path)
    assert words in str(info.value) and str(tmp_path) in str(info.value)


def test_a_missing_folder_and_a_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        inspect_plugin(tmp_path / "nope")
    (tmp_path / "f.py").write_text("")
    with pytest.raises(InputError, match="must be a folder"):
        inspect_plugin(tmp_path / "f.py")


def test_the_installed_copy_has_no_requirement_file(tmp_path: Path) -> None:
    src = tmp_path / "plug"
    src.mkdir()
    (src / "main.py").write_text("")
    (src / "requirements.txt").write_text("six\n")
    plugin = inspect_plugin(src)
    assert plugin.requirements is not None
    copy = install_plugin_copy(plugin, tmp_path / "plugins")
    assert (copy / "main.py").exists() and not (copy / "requirements.txt").exists()


def test_the_framework_error_is_taken_from_its_load_failure_block() -> None:
    log = ("[12:00] [Core] [ERRO] [v4.14.6] [star.star_manager:624]: ----- 插件 myplug 载入失败 -----\n"
           "[12:00] [Core] [ERRO] [v4.14.6] [star.star_manager:627]: | Traceback (most recent call last):\n"
           "[12:00] [Core] [ERRO] [v4.14.6] [star.star_manager:627]: | ValueError: bad config\n"
           "[12:00] [Core] [ERRO] [v4.14.6] [star.star_manager:628]: ----------------------------------\n"
           "[12:00] [Core] [INFO] unrelated: KeyError: not this one\n")
    lines = plugin_log_lines(log, "myplug")
    assert len(lines) == 4 and exception_of(lines) == "ValueError: bad config"
    status = PluginStatus(inspect_plugin(REFERENCE), error="ValueError: bad config")
    assert "ValueError: bad config" in status.reason() and "reference_http_platform" in status.reason()


def test_a_malformed_contract_names_the_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "c.yaml"
    bad.write_text("name: x\nroutes:\n  - {id: a, method: GET, path: /a, response: {f: strnig}}\n")
    with pytest.raises(InputError) as info:
        load_contract(bad)
    assert "routes[0].response.f" in str(info.value) and str(bad) in str(info.value)
