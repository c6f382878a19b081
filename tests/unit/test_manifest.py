import pytest

from harness.errors import InputError
from harness.manifest import load_manifest_dir, parse_manifest, select

pytestmark = pytest.mark.unit


def write(tmp_path, text, name="manifest.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_loads_declared_lists(demo_manifest_dir):
    (m,) = load_manifest_dir(demo_manifest_dir)
    assert m.name == "demo-adapter"
    assert m.events == ["message.received", "group.member_joined", "demo.custom_event"]
    assert m.apis == ["send_message", "reply_message", "get_group_info", "call_platform_api"]
    assert m.platform_actions == ["get_login_info"]
    assert m.problems == []
    assert m.config_secret_keys == ["access-token"]


def test_malformed_yaml_names_file_and_line(tmp_path):
    p = write(tmp_path, "metadata:\n  name: x\nspec:\n  supported_events: [a, b\n  other: 1\n")
    with pytest.raises(InputError) as exc:
        parse_manifest(p)
    assert str(p) in str(exc.value) and exc.value.line is not None and "malformed YAML" in str(exc.value)


def test_missing_spec_names_field(tmp_path):
    p = write(tmp_path, "metadata:\n  name: x\n")
    with pytest.raises(InputError) as exc:
        parse_manifest(p)
    assert exc.value.field == "spec" and "missing" in str(exc.value)


def test_wrong_type_names_field_and_line(tmp_path):
    p = write(tmp_path, "metadata:\n  name: x\nspec:\n  supported_events: message.received\n")
    with pytest.raises(InputError) as exc:
        parse_manifest(p)
    assert exc.value.field == "spec.supported_events" and exc.value.line == 4


def test_non_utf8_and_missing_file(tmp_path):
    p = tmp_path / "manifest.yaml"
    p.write_bytes(b"metadata:\n  name: \xff\xfe\n")
    with pytest.raises(InputError, match="not UTF-8"):
        parse_manifest(p)
    with pytest.raises(InputError, match="not found"):
        parse_manifest(tmp_path / "nope.yaml")


def test_semantic_problems_are_reported_not_raised(tmp_path):
    p = write(tmp_path, """metadata: {name: x}
spec:
  supported_events: [message.received, message.recieved, message.received, wecomcs.enter_session]
  supported_apis:
    required: [send_message]
    optional: [send_message, get_grop_info]
  platform_specific_apis:
    - action: a
""")
    m = parse_manifest(p)
    text = "\n".join(map(str, m.problems))
    assert "unknown event 'message.recieved'" in text
    assert "duplicate event 'message.received'" in text
    assert "wecomcs.enter_session" not in text  # adapter-specific event types are allowed
    assert "listed as both required and optional" in text
    assert "unknown common API 'get_grop_info'" in text
    assert "call_platform_api" in text
    assert all(p.line for p in m.problems)


def test_select_unknown_adapter_lists_candidates(demo_manifest_dir):
    manifests = load_manifest_dir(demo_manifest_dir)
    assert select(manifests, ["demo"])[0].name == "demo-adapter"  # folder name works too
    with pytest.raises(InputError, match="demo-adapter"):
        select(manifests, ["nope"])
