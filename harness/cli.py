"""The ``acceptance`` command line.

Examples::

    acceptance manifests --framework langbot==4.11.2 --format json
    acceptance check runs/<run>/evidence --adapter <adapter>
    acceptance report runs/<run>/evidence --report-dir reports
    acceptance drift --framework langbot==4.11.2 --manifest-dir my-manifests/
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

import click
from rich.console import Console
from rich.table import Table

from harness.errors import EXIT_INPUT, EXIT_INTERNAL, HarnessError, InputError


def _console(stderr: bool = False) -> Console:
    # Off a terminal (CI logs, pipes) rich falls back to 80 columns and folds every table cell; a wide
    # fixed width keeps rows readable there. COLUMNS still wins when set.
    stream = sys.stderr if stderr else sys.stdout
    wide = None if stream.isatty() or os.environ.get("COLUMNS") else 200
    return Console(stderr=stderr, soft_wrap=True, width=wide, markup=False)  # markup only where asked for


out = _console()
err = _console(stderr=True)

FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                      help="Human table or machine-readable JSON on stdout.")
FRAMEWORK = click.option("--framework", default="langbot", show_default=True, metavar="SPEC",
                         help="Framework release: NAME, NAME==VERSION or NAME@/path/to/venv.")
MANIFEST_DIR = click.option("--manifest-dir", type=click.Path(path_type=Path), default=None,
                            help="Read manifests from this folder instead of the installed release.")
ADAPTER = click.option("--adapter", "adapters", multiple=True, metavar="NAME",
                       help="Only this adapter (manifest name or folder name: every mode), or one run "
                            "(<adapter>@<mode>); repeatable.")
DEFAULT_REPORT = Path("reports/latest")
EVIDENCE = click.argument("evidence", nargs=-1, required=True, type=click.Path(path_type=Path))


def _debug() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool((ctx and ctx.find_root().params.get("debug")) or os.environ.get("ACCEPTANCE_DEBUG"))


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The exit-code contract (see :mod:`harness.errors`): harness errors become a clear message and
    their code; a file the OS refuses is unusable input (2); anything else is an internal error (4)
    in one line, with the traceback behind ``--debug``."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except HarnessError as exc:
            err.print(f"[bold red]error:[/] {_shown(str(exc))}", markup=True, highlight=False)
            for name, text in getattr(exc, "logs", {}).items():
                err.print(f"--- {_plain(name)} (tail) ---\n{_plain(text[-3000:])}", highlight=False)
            sys.exit(exc.exit_code)
        except OSError as exc:
            where = exc.filename or "(unknown file)"
            err.print(f"[bold red]error:[/] {_shown(str(where))}: {exc.strerror or exc}", markup=True, highlight=False)
            sys.exit(EXIT_INPUT)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the contract: a harness bug is exit 4, never a bare traceback
            if _debug():
                import traceback

                err.print(_plain(traceback.format_exc()), highlight=False)
            err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {_shown(str(exc)[:500])} "
                      "(a bug in the harness; rerun with --debug for the traceback)", markup=True, highlight=False)
            sys.exit(EXIT_INTERNAL)

    return wrapper


def _plain(text: object) -> str:
    """Text for the terminal: secrets masked (a report or a log line may carry one)."""
    from harness.evidence.redact import redact

    return redact(str(text))


def _shown(text: object) -> str:
    """:func:`_plain` for a ``markup=True`` print: rich markup in the text made inert."""
    from rich.markup import escape

    return escape(_plain(text))


def _manifests(framework: str, manifest_dir: Path | None, adapters: tuple[str, ...]):
    from harness.frameworks.manifests import load_manifests
    from harness.manifest import select

    from harness.runs import manifest_name

    manifests, spec = load_manifests(framework, manifest_dir)
    chosen = select(manifests, list(dict.fromkeys(manifest_name(a) for a in adapters)))
    return list({m.name: m for m in chosen}.values()), spec


def _selected(name: str, adapters: tuple[str, ...], by_name: dict | None = None) -> bool:
    """Whether a result/report named ``name`` (``adapter@mode`` or a plain adapter) is among the selectors."""
    from harness.runs import split_run

    if not adapters:
        return True
    base, mode = split_run(name)
    for sel in adapters:
        s_base, s_mode = split_run(sel)
        if s_base == base or (by_name and by_name.get(base) is not None and s_base == Path(by_name[base].path).parent.name):
            if s_mode is None or s_mode == mode:
                return True
    return False


def _warn_problems(problems: list[str]) -> None:
    for p in problems:
        err.print(f"[yellow]warning:[/] {_shown(p)}", markup=True, highlight=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="adapter-acceptance")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error (exit 4).")
def main(debug: bool) -> None:
    """Evidence-based acceptance of chat-platform adapters.

    Exit codes of every command: 0 clean, 1 a verdict (failed adapter, drift, regression), 2 unusable
    input (file, line or field named), 3 the system under test could not start, 4 an internal error.
    """


@main.command()
@FRAMEWORK
@MANIFEST_DIR
@ADAPTER
@FORMAT
@_guard
def manifests(framework: str, manifest_dir: Path | None, adapters: tuple[str, ...], fmt: str) -> None:
    """List adapters with their declared events, APIs and platform actions.

    Example: acceptance manifests --framework langbot==4.11.2 --format json
    """
    found, spec = _manifests(framework, manifest_dir, adapters)
    if fmt == "json":
        click.echo(json.dumps({"framework": str(spec) if spec else None, "adapters": [m.to_dict() for m in found]}, indent=2))
        return
    table = Table(title=f"Adapters of {spec}" if not manifest_dir else _plain(f"Adapters in {manifest_dir}"))
    table.add_column("adapter", no_wrap=True)
    for col in ("events", "APIs", "platform actions", "manifest", "problems"):
        table.add_column(col)
    for m in found:
        c = m.counts()
        table.add_row(_plain(m.name), str(c["events"]), str(c["apis"]), str(c["platform_actions"]),
                      _plain(f"{Path(m.path).parent.name}/{Path(m.path).name}"), str(len(m.problems)))
    out.print(table)
    totals = [sum(m.counts()[k] for m in found) for k in ("events", "apis", "platform_actions")]
    out.print(f"{len(found)} adapters; {totals[0]} events, {totals[1]} APIs, {totals[2]} platform actions declared")
    _warn_problems([str(p) for m in found for p in m.problems])


def _run_check(evidence: tuple[Path, ...], framework: str, manifest_dir: Path | None, adapters: tuple[str, ...], strict: bool):
    from harness.checker import check

    found, _ = _manifests(framework, manifest_dir, adapters)
    started = time.perf_counter()
    result = check(found, evidence, strict=strict, only_declared_adapters=bool(adapters))
    if any("@" in a for a in adapters):  # one run of an adapter asked for: leave its other modes out
        by_name = {m.name: m for m in found}
        result.adapters = [a for a in result.adapters if _selected(a.adapter, adapters, by_name)]
    if not result.files:
        raise InputError("no evidence files (*.jsonl) found", path=", ".join(map(str, evidence)),
                         hint="point at the run's evidence folder, e.g. runs/<run-id>/evidence")
    if not result.records:
        _warn_problems(result.problems)
        raise InputError(f"no usable evidence record in {len(result.files)} file(s) (problems listed above)",
                         path=", ".join(map(str, evidence)))
    err.print(f"checked {result.records} records from {len(result.files)} file(s) in {time.perf_counter() - started:.2f}s",
              highlight=False)
    _warn_problems(result.problems)
    return result


def _summary_table(result) -> Table:
    table = Table(title="Acceptance verdicts")
    for col in ("adapter", "status", "accepted", "partial", "failed", "blocked", "not-supported", "untested", "undeclared"):
        table.add_column(col)
    for a in result.adapters:
        c = a.counts()
        table.add_row(_plain(a.adapter), a.status.value, *(str(c.get(k, 0)) for k in
                      ("accepted", "partial", "failed", "blocked", "not-supported", "untested", "undeclared")))
    return table


@main.command()
@EVIDENCE
@FRAMEWORK
@MANIFEST_DIR
@ADAPTER
@FORMAT
@click.option("--strict", is_flag=True, help="Validate every record against the evidence JSON Schema; bad lines exit 2.")
@click.option("--fail-on", type=click.Choice(["failed", "partial", "never"]), default="failed", show_default=True,
              help="Exit 1 when an adapter's status is this or worse.")
@_guard
def check(evidence, framework, manifest_dir, adapters, fmt, strict, fail_on) -> None:
    """Judge evidence files (or folders of *.jsonl) against the manifests and print the verdicts.

    Example: acceptance check runs/latest/evidence --adapter <adapter>
    """
    from harness.report.model import adapter_dict

    result = _run_check(evidence, framework, manifest_dir, adapters, strict)
    if fmt == "json":
        from harness.evidence.redact import redact

        click.echo(json.dumps(redact({"records": result.records, "problems": result.problems,
                                      "adapters": [adapter_dict(a, generated="") for a in result.adapters]}), indent=2))
    else:
        out.print(_summary_table(result))
        for a in result.adapters:
            out.print(f"[bold]{_shown(a.adapter)}[/]: {a.status.value} — {_shown(a.status_reason)}", markup=True, highlight=False)
    if strict and result.problems:
        sys.exit(2)
    bad = {"failed": {"failed"}, "partial": {"failed", "partial", "blocked", "untested"}, "never": set()}[fail_on]
    sys.exit(1 if any(a.status.value in bad for a in result.adapters) else 0)


@main.command()
@EVIDENCE
@FRAMEWORK
@MANIFEST_DIR
@ADAPTER
@click.option("--report-dir", type=click.Path(path_type=Path), default=Path("reports"), show_default=True)
@click.option("--run-id", default=None, help="Folder name under --report-dir (default: a timestamp).")
@click.option("--strict", is_flag=True, help="Validate every record against the evidence JSON Schema.")
@_guard
def report(evidence, framework, manifest_dir, adapters, report_dir, run_id, strict) -> None:
    """Write per-adapter Markdown, HTML and JSON reports and the cross-adapter matrix.

    Example: acceptance report runs/latest/evidence --report-dir reports
    """
    from harness.report import write_reports

    result = _run_check(evidence, framework, manifest_dir, adapters, strict)
    folder = write_reports(result, report_dir, run_id or time.strftime("%Y%m%d-%H%M%S"))
    out.print(_summary_table(result))
    out.print(f"reports written to {folder} (and {report_dir}/latest)", highlight=False)


@main.command()
@FRAMEWORK
@MANIFEST_DIR
@ADAPTER
@FORMAT
@click.option("--evidence", "evidence", multiple=True, type=click.Path(path_type=Path),
              help="Evidence files/folders to judge; default: the JSON reports in --report.")
@click.option("--report", "report_path", type=click.Path(path_type=Path), default=DEFAULT_REPORT, show_default=True,
              help="Folder of per-adapter JSON reports used when no --evidence is given.")
@click.option("--baseline-dir", type=click.Path(path_type=Path), default=None,
              help="Committed baseline (default: reports/baseline/<framework>-<version>).")
@click.option("--no-code", is_flag=True, help="Skip the manifest-vs-code comparison.")
@_guard
def drift(framework, manifest_dir, adapters, fmt, evidence, report_path, baseline_dir, no_code) -> None:
    """Gate on drift between manifest, adapter code, evidence and the committed baseline.

    Exit 0 clean, 1 drift, 2 bad input.

    Example: acceptance drift --framework langbot==4.11.2 --manifest-dir changed-manifests/
    """
    from harness import drift as d

    found, spec = _manifests(framework, manifest_dir, adapters)
    report = d.DriftReport()
    if no_code:
        report.ran["manifest-vs-code"] = "skipped (--no-code)"
    else:
        from harness.frameworks.manifests import introspect_code

        code = introspect_code(spec)
        if code:
            report.findings += d.manifest_vs_code(found, code)
            report.ran["manifest-vs-code"] = f"{len(found)} manifest(s) against adapter code introspected inside {spec}"
        else:
            report.ran["manifest-vs-code"] = f"skipped: {spec.name} has no adapter code to introspect"
    from acceptance_fixtures.platforms.discovery import profile_for

    platforms = {m.name: dict(profile.unproducible_events) for m in found if (profile := profile_for(m.name))}
    report.findings += d.manifest_vs_platform(found, platforms)
    report.ran["manifest-vs-platform"] = (f"declared events against what the simulated platforms can produce "
                                          f"({sum(1 for v in platforms.values() if v)} platform(s) say)")
    results = _results_for_drift(found, evidence, report_path, framework, manifest_dir, adapters, report)
    if results is not None:
        report.findings += d.manifest_vs_evidence(results)
        base = baseline_dir or Path("reports/baseline") / f"{spec.name}-{spec.version}"
        if baseline_dir is not None and not baseline_dir.is_dir():
            raise InputError("baseline folder not found (an explicit --baseline-dir must exist; "
                             "leave it out to use reports/baseline/<framework>-<version> when there is one)",
                             path=baseline_dir, field="--baseline-dir")
        if base.is_dir():
            # every mode of an adapter is expected unless the selection named runs (``NAME@MODE``)
            every_run = not any("@" in a for a in (adapters or ()))
            report.findings += d.evidence_vs_baseline(results, base, every_run=every_run)
            missing = [r.adapter for r in results if not (base / f"{r.adapter}.json").exists()]
            report.ran["evidence-vs-baseline"] = (f"{len(results) - len(missing)} adapter(s) against {base}"
                                                  + (f"; no baseline recorded for {', '.join(missing)}" if missing else ""))
        else:
            report.ran["evidence-vs-baseline"] = f"skipped: no baseline at {base} (write one with `acceptance baseline`)"
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        for name, what in report.ran.items():
            out.print(f"[bold]{_shown(name)}[/]: {_shown(what)}", markup=True, highlight=False)
        if report.findings:
            table = Table(title=f"{len(report.findings)} drift finding(s)")
            for col in ("comparison", "adapter", "capability", "finding", "explanation"):
                table.add_column(col, overflow="fold")
            for f in report.findings:
                table.add_row(*map(_plain, (f.comparison, f.adapter, f.capability, f.kind, f.explanation)))
            out.print(table)
        else:
            out.print("no drift")
    sys.exit(1 if report.drifted else 0)


def _results_for_drift(found, evidence, report_path, framework, manifest_dir, adapters, report):
    from harness.frameworks import FrameworkSpec

    if evidence:
        result = _run_check(tuple(evidence), framework, manifest_dir, adapters, False)
        report.ran["manifest-vs-evidence"] = f"{result.records} evidence record(s) from {len(result.files)} file(s)"
        return [a for a in result.adapters if a.verdicts]
    by_name = {m.name: m for m in found}
    spec = FrameworkSpec.parse(framework)
    folder = Path(report_path)
    if folder != DEFAULT_REPORT and not folder.is_dir():
        raise InputError("report folder not found", path=folder, field="--report")
    results = [r for r in _reports_in(folder, by_name, spec) if _selected(r.adapter, adapters, by_name)]
    if not results and folder == DEFAULT_REPORT:
        # reports/latest is whichever run wrote last (in `make test`, another framework's): take the newest
        # run folder that holds this release's reports instead, and say so.
        for candidate in sorted((p for p in folder.parent.iterdir() if p.is_dir() and p.name not in ("baseline", "latest")),
                                key=lambda p: p.stat().st_mtime, reverse=True) if folder.parent.is_dir() else []:
            results = [r for r in _reports_in(candidate, by_name, spec, skip_unreadable=True)
                       if _selected(r.adapter, adapters, by_name)]
            if results:
                folder = candidate
                break
    if not results:
        report.ran["manifest-vs-evidence"] = f"skipped: no --evidence and no per-adapter reports of {spec} in {report_path}"
        report.ran["evidence-vs-baseline"] = "skipped: nothing to compare"
        return None
    note = "" if folder == Path(report_path) else f" ({report_path} holds no report of {spec}: newest run of it used)"
    report.ran["manifest-vs-evidence"] = f"{len(results)} adapter report(s) in {folder}{note}"
    return results


def _reports_in(folder: Path, by_name: dict, spec, *, skip_unreadable: bool = False) -> list:
    """The per-adapter reports in ``folder`` that belong to ``spec`` (framework, and version when recorded)."""
    from harness import drift as d
    from harness.json_input import load_json_input, read_json
    from harness.runs import manifest_name
    from harness.verdicts import adapter_from_dict

    results = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            data = read_json(path)
        except InputError:
            if skip_unreadable:
                continue
            raise
        if not isinstance(data, dict) or data.get("schema") != "acceptance-report/1" \
                or manifest_name(str(data.get("adapter"))) not in by_name:
            continue  # the matrix, a comparison, another adapter's report
        try:
            data = load_json_input(path, "report")
        except InputError:
            if skip_unreadable:
                continue
            raise
        if data.get("framework") and data["framework"] != spec.name:
            continue  # a report of another framework's adapter of the same name
        if data.get("framework_version") and spec.env is None and data["framework_version"] != spec.version:
            continue  # another release of the same framework
        # a run (adapter@mode) is judged against its adapter's manifest, under the run name
        results.append(d.reproject(adapter_from_dict(data), by_name[manifest_name(data["adapter"])]))
    return results


@main.command()
@FRAMEWORK
@MANIFEST_DIR
@ADAPTER
@click.option("--evidence", "evidence", multiple=True, type=click.Path(path_type=Path))
@click.option("--report", "report_path", type=click.Path(path_type=Path), default=DEFAULT_REPORT, show_default=True)
@click.option("--baseline-dir", type=click.Path(path_type=Path), default=None)
@_guard
def baseline(framework, manifest_dir, adapters, evidence, report_path, baseline_dir) -> None:
    """Record the current levels as the committed baseline (reports/baseline/<framework>-<version>/)."""
    from harness import drift as d

    found, spec = _manifests(framework, manifest_dir, adapters)
    tmp = d.DriftReport()
    results = _results_for_drift(found, evidence, report_path, framework, manifest_dir, adapters, tmp)
    if not results:
        raise HarnessError(f"nothing to record: {tmp.ran.get('manifest-vs-evidence')}")
    base = baseline_dir or Path("reports/baseline") / f"{spec.name}-{spec.version}"
    for p in d.write_baseline(results, base):
        out.print(f"wrote {p}", highlight=False)


@main.command()
@FRAMEWORK
@_guard
def setup(framework: str) -> None:
    """Install the framework release into its cached environment (reused when present).

    Example: acceptance setup --framework langbot==4.11.2
    """
    import shutil

    from harness.frameworks import FrameworkSpec, ensure_env

    spec = FrameworkSpec.parse(framework)
    started = time.perf_counter()
    env = ensure_env(spec)
    out.print(f"{spec}: environment {env} ready ({time.perf_counter() - started:.1f}s)", highlight=False)
    browser = shutil.which("chromium")
    out.print(f"browser: {browser or 'chromium not found (make browser installs it)'}", highlight=False)


@main.command()
@click.argument("report_a", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("report_b", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out-dir", type=click.Path(path_type=Path), default=Path("reports/compare"), show_default=True)
@click.option("--name", default=None, help="File stem of the comparison (default: compare-<fw>-<adapter>-vs-<fw>-<adapter>).")
@_guard
def compare(report_a: Path, report_b: Path, out_dir: Path, name: str | None) -> None:
    """Compare two per-adapter JSON reports side by side (Markdown, HTML, JSON).

    Example: acceptance compare reports/<run-a>/<adapter>@<mode>.json reports/<run-b>/<adapter>@<mode>.json
    """
    from harness.report.compare import write_comparison

    for kind, path in write_comparison(report_a, report_b, out_dir, name).items():
        out.print(f"wrote {path}", highlight=False)


# --- simulate (harness/ui/simulate.py): the simulated platform with its web UI, for a person --------------
@main.command()
@click.argument("adapter", required=False)
@click.option("--framework", default=None, metavar="SPEC",
              help="Framework release: NAME, NAME==VERSION or NAME@/path/to/venv (default: langbot; with "
                   "--adapter-plugin: the pinned AstrBot).")
@click.option("--adapter-plugin", "adapter_plugins", multiple=True, metavar="DIR",
              type=click.Path(path_type=Path),
              help="A framework plugin folder that registers the platform adapter under test (repeatable); without "
                   "ADAPTER, the platform is the one serving the type it registers.")
@click.option("--declaration", "declarations", multiple=True, metavar="FILE", type=click.Path(path_type=Path),
              help="Your own declaration (manifest schema), replacing the harness's of the same adapter name.")
@click.option("--port", type=int, default=0, show_default=True, help="Simulator port on 127.0.0.1 (0: a free port).")
@click.option("--destructive", is_flag=True, help="Let the probe's sweep call destructive APIs (on disposable targets).")
@click.option("--duration", type=float, default=None, metavar="SECONDS",
              help="Stop by itself after this many seconds (default: run until Ctrl-C).")
@_guard
def simulate(adapter: str | None, framework: str | None, adapter_plugins: tuple[Path, ...],
             declarations: tuple[Path, ...], port: int, destructive: bool, duration: float | None) -> None:
    """Start the framework, a bot with the probe and the simulated platform with its web UI; print the URL
    to open and run until Ctrl-C (then stop everything cleanly and write this session's reports).

    Examples: acceptance simulate <adapter>;
    acceptance simulate --adapter-plugin path/to/adapter_plugin
    """
    import asyncio

    from harness.ui.simulate import simulate as run

    def say(text: str) -> None:
        click.echo(text)

    if adapter is None and not adapter_plugins:
        raise click.UsageError("name the ADAPTER to simulate, or give --adapter-plugin DIR")
    fw = framework or ("astrbot" if adapter_plugins else "langbot")  # a bare name means the pinned release
    asyncio.run(run(adapter, framework=fw, port=port, destructive=destructive, duration=duration, say=say,
                    adapter_plugins=list(adapter_plugins), declarations=list(declarations)))
# --- end simulate ---


if __name__ == "__main__":  # pragma: no cover
    main()
