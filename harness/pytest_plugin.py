"""The pytest plugin (entry point ``pytest11: acceptance``).

Options live in the ``acceptance`` group; a per-run :class:`AcceptanceSession` is built in
``pytest_configure``, kept under a ``StashKey`` and written out as reports at session end. The
fixtures of the full path (``framework_stack``, ``adapter_runs``, ``browser_status``, ``ui_browser``:
``harness/pytest_fixtures.py``) are registered here too, so the shipped suite runs from any project,
with no ini of its own::

    pytest --pyargs harness.suite -m plugin_e2e --adapter <adapter> --report-dir /abs/reports

A run is one adapter in one transport mode, ``adapter@mode`` (``harness/runs.py``). Tests that take
the ``capability`` fixture get one test id per declared capability of every selected run, e.g.
``test_capability[<adapter>@<mode>::event:message.received]``; ``run_spec`` and ``manifest``
give one test per run. ``--adapter <adapter>`` selects every mode the platform offers on the
framework, ``--adapter <adapter>@<mode>`` (or ``--mode <mode>``) one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.levels import MARKERS
from harness.session import SESSION_KEY, AcceptanceSession, new_run_id  # SESSION_KEY: re-exported


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("acceptance", "adapter acceptance harness")
    group.addoption("--framework", default=None, metavar="SPEC",
                    help="framework under test: NAME, NAME==VERSION or NAME@/path/to/venv (default: langbot, pinned; "
                         "astrbot, pinned, with --adapter-plugin)")
    group.addoption("--adapter-plugin", action="append", default=[], metavar="DIR",
                    help="a third-party adapter plugin folder to accept (AstrBot plugin); repeatable. Its adapter runs "
                         "against the simulated platform or published contract that serves the type it registers")
    group.addoption("--declaration", action="append", default=[], metavar="FILE",
                    help="your own capability declaration (manifest schema) for an adapter, instead of the harness's")
    group.addoption("--manifest-dir", default=None, metavar="DIR", help="read manifests from DIR instead of the release")
    group.addoption("--adapter", action="append", default=[], metavar="NAME",
                    help="adapter to accept (manifest name: every transport mode; NAME@MODE: that mode); "
                         "repeatable; default: all")
    group.addoption("--mode", action="append", default=[], metavar="MODE",
                    help="only these transport modes (e.g. reverse-ws); repeatable; default: every mode offered")
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
    from harness import pytest_fixtures

    if not config.pluginmanager.is_registered(pytest_fixtures):
        config.pluginmanager.register(pytest_fixtures, "acceptance-fixtures")
    if hasattr(config, "workerinput"):  # xdist worker: the controller owns the run
        return
    run_id = config.getoption("--run-id") or new_run_id()
    evidence = config.getoption("--evidence-dir")
    plugins = [Path(p) for p in config.getoption("--adapter-plugin")]
    session = AcceptanceSession(
        framework=config.getoption("--framework") or ("astrbot" if plugins else "langbot"),
        adapter_plugins=plugins,
        declarations=[Path(p) for p in config.getoption("--declaration")],
        manifest_dir=Path(config.getoption("--manifest-dir")) if config.getoption("--manifest-dir") else None,
        adapters=list(config.getoption("--adapter")),
        modes=list(config.getoption("--mode")),
        run_id=run_id,
        evidence_dir=Path(evidence) if evidence else Path("runs") / run_id / "evidence",
        report_dir=Path(config.getoption("--report-dir")),
        destructive=config.getoption("--destructive"),
        baseline_dir=Path(config.getoption("--baseline")) if config.getoption("--baseline") else None,
    )
    from acceptance_fixtures.platforms import profile_for

    from harness.contract.model import contract_for
    from harness.contract.run import plugin_adapters_of_type

    session.profile_for = profile_for  # which transport modes each adapter runs in
    session.contract_for, session.plugin_adapters_of_type = contract_for, plugin_adapters_of_type
    config.stash[SESSION_KEY] = session
    _add_shipped_suite(config)


def _add_shipped_suite(config: pytest.Config) -> None:
    """``pytest -m plugin_e2e --adapter NAME`` with no path and no ``testpaths`` runs the acceptance suite
    shipped with the harness (``harness/suite``) instead of searching the invocation folder (whose
    virtualenv would hide the installed suite from pytest). With paths or ``testpaths`` (as in this
    repository) nothing changes; to run the suite beside a project's own tests, name both:
    ``pytest tests/ --pyargs harness.suite -m plugin_e2e``."""
    from harness import suite

    path = Path(suite.__file__).resolve().parent / "test_acceptance.py"
    contracts = path.with_name("test_contract.py")
    if config.getoption("pyargs", False) and any(a.split("::")[0] in ("harness.suite", "harness.suite.test_acceptance")
                                                 for a in config.args):
        config.stash[_SHIPPED_SUITE] = path  # named explicitly: let its path through a project virtualenv
        return
    if config.args_source is not pytest.Config.ArgsSource.INVOCATION_DIR:
        return
    if "plugin_e2e" not in (config.getoption("markexpr", "") or ""):
        return
    config.args[:] = [str(path), str(contracts)]
    config.stash[_SHIPPED_SUITE] = path
    config.stash[_SHIPPED_CONTRACTS] = contracts


_SHIPPED_SUITE = pytest.StashKey[Path]()
_SHIPPED_CONTRACTS = pytest.StashKey[Path]()


@pytest.hookimpl(tryfirst=True)
def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The shipped suite is collected even from a virtualenv inside the project (pytest skips those): the
    folders on the way to the suite's file are let through; only the suite's own path is collected."""
    for key in (_SHIPPED_SUITE, _SHIPPED_CONTRACTS):
        suite = config.stash.get(key, None)
        if suite is not None and (collection_path == suite or collection_path in suite.parents):
            return False
    return None


def _session(config: pytest.Config) -> AcceptanceSession:
    try:
        return config.stash[SESSION_KEY]
    except KeyError:  # pragma: no cover - xdist worker
        pytest.skip("acceptance session lives on the xdist controller")


@pytest.fixture(scope="session")
def acceptance(request: pytest.FixtureRequest) -> AcceptanceSession:
    """The run: options, run id, evidence folder, manifests, writers.

    Example: ``acceptance.writer("harness").write("finding", adapter="<adapter>", message="...")``
    """
    return _session(request.config)


@pytest.fixture(scope="session")
def evidence_writer(acceptance: AcceptanceSession):
    """The harness's own evidence writer (``<evidence-dir>/harness.jsonl``)."""
    return acceptance.writer("harness")


@pytest.fixture
def run_spec(request: pytest.FixtureRequest):
    """The run under test (``harness.runs.RunSpec``: ``.manifest``, ``.mode``, ``.name`` = ``adapter@mode``);
    tests are parametrized per selected run: ``test_x[<adapter>@<mode>]``."""
    return request.param


@pytest.fixture
def manifest(request: pytest.FixtureRequest):
    """The manifest of the adapter under test (tests are parametrized per selected run; with ``run_spec``
    too, its manifest)."""
    if hasattr(request, "param"):
        return request.param
    return request.getfixturevalue("run_spec").manifest


@pytest.fixture
def capability(request: pytest.FixtureRequest):
    """``(RunSpec, Capability)`` for one declared capability of one selected run."""
    return request.param


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "contract_item" in metafunc.fixturenames:
        _parametrize_contract_items(metafunc)
        return
    wants_cap = "capability" in metafunc.fixturenames
    wants_run = "run_spec" in metafunc.fixturenames and not wants_cap
    wants_manifest = "manifest" in metafunc.fixturenames and not (wants_cap or wants_run)
    if not (wants_cap or wants_run or wants_manifest):
        return
    session = _session(metafunc.config)
    from harness.capabilities import load_catalogue
    from harness.errors import HarnessError

    try:
        runs = session.runs()
    except HarnessError as exc:
        raise pytest.UsageError(f"acceptance: cannot load manifests: {exc}") from None
    if wants_run:
        metafunc.parametrize("run_spec", runs, ids=[r.name for r in runs], indirect=True)
        return
    if wants_manifest:
        metafunc.parametrize("manifest", [r.manifest for r in runs], ids=[r.name for r in runs], indirect=True)
        return
    params, ids = [], []
    for r in runs:
        for cap in load_catalogue().for_manifest(r.manifest):
            params.append((r, cap))
            ids.append(f"{r.name}::{cap.id}")
    metafunc.parametrize("capability", params, ids=ids, indirect=True)


def _parametrize_contract_items(metafunc: pytest.Metafunc) -> None:
    """One test per documented item of each selected published contract: ``test_contract_item[http-platform::route:...]``."""
    from harness.contract.checks import documented_items
    from harness.contract.run import contract_runs
    from harness.errors import HarnessError

    session = _session(metafunc.config)
    try:
        selected = contract_runs(session)
    except HarnessError as exc:
        raise pytest.UsageError(f"acceptance: {exc}") from None
    params = [(c.contract.name, item_id) for c in selected for item_id, _, _ in documented_items(c.contract)]
    metafunc.parametrize("contract_item", params, ids=[f"{n}::{i}" for n, i in params])


def pytest_collection_finish(session: pytest.Session) -> None:
    """Say which transport modes run per adapter (a mode the framework's binding lacks has no run)."""
    acc = session.config.stash.get(SESSION_KEY, None)
    if acc is None or acc._runs is None or not acc.run_notes:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    for adapter, note in acc.run_notes.items():
        reporter.write_line(f"acceptance: {adapter} on {acc.framework}: modes {note}")


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    session = config.stash.get(SESSION_KEY, None)
    if session is None:
        return None
    adapters = ", ".join(session.adapters) or "all"
    if session.modes:
        adapters += f" (modes {', '.join(session.modes)})"
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
    error = config.stash.get(_REPORT_ERROR, None)
    from harness.allure_labels import session_redactor

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
