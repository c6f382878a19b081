"""Benchmark: check + report over N evidence records versus a bare ``json.loads`` pass.

    python bench/checker_throughput.py [--records 1000000] [--rounds 3] [--keep FILE]

Generates a realistic mix (inject/event pairs, api_call/platform_received pairs, skips) for the
OneBot-like demo manifest, then times, in the same run and on the same file:
  baseline  : read every line and json.loads it
  harness   : harness.checker.check + harness.report.write_reports
and prints both times and their ratio (goal: at most 1.0x, peak memory under 1 GB): the median over
alternating rounds, each pass in a fresh process (as a one-shot ``acceptance check`` runs). The records
carry the expectation fields the checker compares with the world (event fields, API facts and truth,
call arguments), so the comparisons are part of what is timed.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.checker import check
from harness.evidence.writer import dumps_line
from harness.manifest import load_manifest_dir
from harness.report import write_reports

MANIFESTS = Path(__file__).resolve().parent.parent / "tests" / "unit" / "data" / "manifests"
ADAPTERS = ["demo-adapter"]
INBOUND = [["event:message.received", "receive:Plain"], ["receive:At"], ["receive:Image"], ["event:group.member_joined"]]
OUTBOUND = [["api:send_message", "send:Plain"], ["api:reply_message", "send:At"], ["api:get_group_info"], ["platform_api:get_login_info"]]


def generate(path: Path, n: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    t = 1_700_000_000.0
    base = {"v": 1, "run_id": "bench", "framework": "langbot", "framework_version": "4.11.2"}
    written = 0
    with open(path, "wb", buffering=1 << 20) as fh:
        mid = 0
        while written < n:
            mid += 1
            t += 0.001
            adapter = ADAPTERS[mid % len(ADAPTERS)]
            if rnd.random() < 0.5:
                caps = INBOUND[mid % len(INBOUND)]
                text = f"message {mid}  with\nnewline"
                sender = str(3000000101 + mid % 5)
                fh.write(dumps_line({**base, "record": "inject", "ts": "", "t": t, "adapter": adapter, "producer": "protocol-injector",
                                     "level": "plugin-e2e-protocol", "capabilities": caps,
                                     "match": {"event.type": "message.received", "event.message_id": str(mid)},
                                     "expected": {"components": [{"type": "Plain", "text": text}],
                                                  "fields": {"chat_type": "group", "chat_id": "2001", "group_id": "2001",
                                                             "sender_id": sender, "sender_name": {"one_of": ["Card", "Nick"]}}}}))
                fh.write(dumps_line({**base, "record": "event", "ts": "", "t": t + 0.0005, "adapter": adapter, "producer": "probe",
                                     "event": {"class": "MessageReceivedEvent", "type": "message.received", "message_id": str(mid),
                                               "bot_uuid": "b", "adapter_name": adapter, "chat_type": "group", "chat_id": "2001",
                                               "group_id": "2001", "sender_id": sender, "sender_name": "Nick",
                                               "components": [{"type": "Source", "id": str(mid)}, {"type": "Plain", "text": text}],
                                               "source_platform_object": True}}))
            else:
                caps = OUTBOUND[mid % len(OUTBOUND)]
                api = caps[0].split(":")[1]
                group = {"id": "2001", "name": "Bench Group", "member_count": 5}
                fh.write(dumps_line({**base, "record": "platform_received", "ts": "", "t": t + 0.0002, "adapter": adapter,
                                     "producer": "simulator", "action": "send_group_msg",
                                     "observed": {"components": [{"type": "Plain", "text": "hi"}], "message_id": str(mid),
                                                  "args": {"target_type": "group", "target_id": "2001", "group_id": "2001"},
                                                  **({"truth": {"group": group}} if api == "get_group_info" else {})}}))
                fh.write(dumps_line({**base, "record": "api_call", "ts": "", "t": t + 0.0004, "adapter": adapter, "producer": "probe",
                                     "capabilities": caps, "api": {"name": api, "scope": "run", "ok": True,
                                                                   "input": {"target_type": "group", "target_id": "2001", "group_id": "2001"},
                                                                   "result": {"message_id": mid}, "started": t, "ended": t + 0.0004,
                                                                   **({"facts": {"group": group}} if api == "get_group_info" else {})},
                                     "expected": {"components": [{"type": "Plain", "text": "hi"}],
                                                  "target": {"type": "group", "id": "2001"}} if "send:" in caps[-1] else None}))
            written += 2


def bare_json_pass(path: Path) -> float:
    start = time.perf_counter()
    with open(path, "rb") as fh:
        for line in fh:
            json.loads(line)
    return time.perf_counter() - start


def harness_pass(path: Path, out: Path) -> tuple[float, int]:
    manifests = load_manifest_dir(MANIFESTS)
    start = time.perf_counter()
    result = check(manifests, [path])
    write_reports(result, out, "bench", update_latest=False)
    elapsed = time.perf_counter() - start
    return elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _fresh(which: str, path: Path, out: Path) -> tuple[float, int]:
    """One pass in a process of its own, as a one-shot ``acceptance check`` runs: no heap left by the other pass."""
    code = (f"import json, sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); import checker_throughput as b; "
            f"from pathlib import Path; p = Path({str(path)!r}); "
            + ("print(json.dumps([b.bare_json_pass(p), 0]))" if which == "bare" else
               f"print(json.dumps(list(b.harness_pass(p, Path({str(out)!r})))))"))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise SystemExit(f"{which} pass failed:\n{proc.stderr[-4000:]}")
    seconds, peak = json.loads(proc.stdout.strip().splitlines()[-1])
    return float(seconds), int(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternate the two passes this many times, each in a fresh process; the ratio is the median "
                             "of the rounds' ratios (a shared 2-core machine varies by tens of percent between passes)")
    parser.add_argument("--keep", type=Path, default=None, help="write the generated evidence here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "evidence.jsonl"
        t0 = time.perf_counter()
        generate(path, args.records)
        size = path.stat().st_size
        print(f"generated {args.records:,} records ({size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f}s")
        rounds: list[tuple[float, float]] = []
        peak = 0
        for n in range(1, max(1, args.rounds) + 1):
            baseline, _ = _fresh("bare", path, Path(tmp))
            harness, peak = _fresh("harness", path, Path(tmp) / f"reports-{n}")
            rounds.append((baseline, harness))
            print(f"round {n}: bare {baseline:.2f}s, harness {harness:.2f}s, ratio {harness / baseline:.2f}x", flush=True)
        baseline = statistics.median(b for b, _ in rounds)
        harness = statistics.median(h for _, h in rounds)
        print(f"{'pass (median of rounds)':<28}{'seconds':>10}{'records/s':>14}")
        print(f"{'bare json.loads':<28}{baseline:>10.2f}{args.records / baseline:>14,.0f}")
        print(f"{'check + report (harness)':<28}{harness:>10.2f}{args.records / harness:>14,.0f}")
        print(f"peak resident memory of the checking process: {peak / 1e6:.0f} MB (goal < 1000 MB) -> "
              f"{'OK' if peak < 1e9 else 'OVER GOAL'}")
        ratios = [h / b for b, h in rounds]
        ratio = statistics.median(ratios)
        print(f"ratio harness / bare json.loads: {ratio:.2f}x median ({min(ratios):.2f}-{max(ratios):.2f}x over "
              f"{len(rounds)} round(s), each pass in a fresh process) (goal <= 1.00x) -> {'OK' if ratio <= 1 else 'OVER GOAL'}")


if __name__ == "__main__":
    main()
