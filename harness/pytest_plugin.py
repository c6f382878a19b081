"""The pytest plugin (entry point ``pytest11: acceptance``).

Options live in the ``acceptance`` group; a per-run :class:`AcceptanceSession` is built in
``pytest_configure``, kept under a ``StashKey`` and written out as reports at session end.
Tests that take the ``capability`` fixture get one test id per declared capability of every
selected adapter, e.g. ``test_capability[onebot-v11::event:message.received]``.

Example::

    pytest -m plugin_e2e --adapter onebot-v11 --report-dir reports
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.levels import MARKERS
from harness.session import AcceptanceSession, new_run_id

SESSION_KEY = pytest.StashKey[AcceptanceSession]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("acceptance", "adapter acceptance harness")
    group.addoption("--framework", default="langbot", metavar="SPEC",
                    help="framework under test: NAME, NAME==VERSION or NAME@/path/to/venv (default: langbot, pinned)")
    group.addoption("--manifest-dir", default=None, metavar="DIR", help="read manifests from DIR instead of the release")
    group.addoption("--adapter", action="append", default=[], metavar="NAME",
                    help="adapter to accept (manifest name); repeatable; default: all")
    group.addoption("--evidence-dir", default=None, metavar="DIR", help="evidence folder (default: runs/<run-id>/evidence)")
    group.addoption("--report-dir", default="reports", metavar="DIR", help="report root; reports go to DIR/<run-id>/ (default: reports)")
    group.addoption("--run-id", default=None, help="run id (default: UTC timestamp)")
    group.addoption("--baseline", default=None, metavar="DIR",
                    help="committed baseline (reports/baseline/<framework>-<version>): a capability that fails "
                         "as it did there is xfail; one weaker than there fails")
    group.addoption("--destructive", action="store_true", default=False,
                    help="also call destructive APIs (kick, leave, mute...) against disposable simulated targets")


def pytest_configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    if hasattr(config, "workerinput"):  # xdist worker: the controller owns the run
        return
    run_id = config.getoption("--run-id") or new_run_id()
    evidence = config.getoption("--evidence-dir")
    session = AcceptanceSession(
        framework=config.getoption("--framework"),
        manifest_dir=Path(config.getoption("--manifest-dir")) if config.getoption("--manifest-dir") else None,
        adapters=list(config.getoption("--adapter")),
        run_id=run_id,
        evidence_dir=Path(evidence) if evidence else Path("runs") / run_id / "evidence",
        report_dir=Path(config.getoption("--report-dir")),
        destructive=config.getoption("--destructive"),
        baseline_dir=Path(config.getoption("--baseline")) if config.getoption("--baseline") else None,
    )
    config.stash[SESSION_KEY] = session


def _session(config: pytest.Config) -> AcceptanceSession:
    try:
        return config.stash[SESSION_KEY]
    except KeyError:  # pragma: no cover - xdist worker
        pytest.skip("acceptance session lives on the xdist controller")


@pytest.fixture(scope="session")
def acceptance(request: pytest.FixtureRequest) -> AcceptanceSession:
    """The run: options, run id, evidence folder, manifests, writers.

    Example: ``acceptance.writer("harness").write("finding", adapter="onebot-v11", message="...")``
    """
    return _session(request.config)


@pytest.fixture(scope="session")
def evidence_writer(acceptance: AcceptanceSession):
    """The harness's own evidence writer (``<evidence-dir>/harness.jsonl``)."""
    return acceptance.writer("harness")


@pytest.fixture
def manifest(request: pytest.FixtureRequest):
    """The manifest of the adapter under test (tests are parametrized per selected adapter)."""
    return request.param


@pytest.fixture
def capability(request: pytest.FixtureRequest):
    """``(manifest, Capability)`` for one declared capability of one selected adapter."""
    return request.param


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    wants_cap = "capability" in metafunc.fixturenames
    wants_manifest = "manifest" in metafunc.fixturenames and not wants_cap
    if not (wants_cap or wants_manifest):
        return
    session = _session(metafunc.config)
    from harness.capabilities import load_catalogue
    from harness.errors import HarnessError

    try:
        manifests = session.manifests()
    except HarnessError as exc:
        raise pytest.UsageError(f"acceptance: cannot load manifests: {exc}") from None
    if wants_manifest:
        metafunc.parametrize("manifest", manifests, ids=[m.name for m in manifests], indirect=True)
        return
    params, ids = [], []
    for m in manifests:
        for cap in load_catalogue().for_manifest(m):
            params.append((m, cap))
            ids.append(f"{m.name}::{cap.id}")
    metafunc.parametrize("capability", params, ids=ids, indirect=True)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    session = config.stash.get(SESSION_KEY, None)
    if session is None:
        return None
    adapters = ", ".join(session.adapters) or "all"
    return [f"acceptance: framework {session.framework}, adapters {adapters}, run {session.run_id}",
            f"acceptance: evidence {session.evidence_dir}, reports {session.report_dir}/{session.run_id}"]


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    acc = session.config.stash.get(SESSION_KEY, None)
    if acc is None:
        return
    acc.close()
    try:
        folder = acc.write_reports()
    except Exception as exc:  # the reports must never hide the test outcome
        session.config.stash[_REPORT_ERROR] = f"{type(exc).__name__}: {exc}"
        return
    if folder is not None:
        session.config.stash[_REPORT_FOLDER] = folder
    _scan_for_secrets(session, acc, folder)


def _scan_for_secrets(session: pytest.Session, acc, folder: Path | None) -> None:
    """Search what this run wrote (evidence, reports, collected logs) for every configured secret in
    every encoded form; a leak fails the session. Counts go to ``<report folder>/secret-scan.json``."""
    import json

    from harness.secret_scan import run_files, scan

    if not acc.secrets():
        return
    if folder is None and (acc.report_dir / acc.run_id).is_dir():  # a run without evidence (e.g. live chat only)
        folder = acc.report_dir / acc.run_id
    result = scan(run_files(acc.evidence_dir, folder), acc.secrets())
    session.config.stash[_SECRET_SCAN] = result
    if folder is not None:
        (folder / "secret-scan.json").write_text(json.dumps(result.to_dict(), indent=1) + "\n", "utf-8")
    if result.leaks and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_REPORT_FOLDER = pytest.StashKey[Path]()
_REPORT_ERROR = pytest.StashKey[str]()
_SECRET_SCAN = pytest.StashKey[object]()


def _terminal_text(text: object, redactor, limit: int = 2000) -> str:
    """Report content for the terminal: redacted, one line, no control characters (no terminal escapes), capped."""
    import re

    from harness.report.model import cap

    return cap(re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+", " ", redactor.text(str(text))), limit)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    from harness.allure_labels import session_redactor

    error = config.stash.get(_REPORT_ERROR, None)
    redactor = session_redactor(config)
    scanned = config.stash.get(_SECRET_SCAN, None)
    if scanned is not None:
        terminalreporter.write_sep("-", "acceptance secret scan")
        terminalreporter.write_line(scanned.summary(), red=bool(scanned.leaks), green=not scanned.leaks)
    if error:
        terminalreporter.write_sep("-", "acceptance reports")
        terminalreporter.write_line(f"could not write reports: {_terminal_text(error, redactor)}", red=True)
    folder = config.stash.get(_REPORT_FOLDER, None)
    if folder is None:
        return
    from harness.report.writer import safe_name

    acc = config.stash[SESSION_KEY]
    terminalreporter.write_sep("-", "acceptance reports")
    for res in getattr(acc, "last_result", None).adapters if getattr(acc, "last_result", None) else []:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(res.counts().items()))
        # the file the writer wrote: named after the redacted adapter name
        page = folder / f"{safe_name(redactor.text(res.adapter))}.html"
        terminalreporter.write_line(f"{_terminal_text(res.adapter, redactor, 300)}: {res.status.value} ({counts}) -> {page}")
    terminalreporter.write_line(f"reports: {folder} (latest: {acc.report_dir / 'latest'})")
