"""Every benchmark of bench/ in one command, and one table of what they measured.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/run_all.py [--quick] [--only load,turn]

A bench is any script of bench/ with a main guard (a new one is picked up by itself); each runs
as a subprocess with this environment, its output shown as it goes. The `key=value` pairs of its
last line become rows: figure, value, goal and whether it held. Goals are declared in GOALS below
(from README's Performance section and the issues); a figure without one is shown without.
A bench that fails or times out is a FAILED row, and the others still run.

`--quick` runs CI-size versions: the arguments in QUICK_ARGS, or `--quick` for a bench that
offers it (its source names the flag), or its defaults. Its figures are for checking that every
bench runs, not for comparing: small data and short runs on a loaded machine. The table comes
out in Markdown with the machine it ran on, ready for README's Performance section. Last line:
`benches=… failed=… goals_held=… goals_missed=…`; the exit code is 1 when a bench failed.
"""

import argparse
import contextlib
import os
import platform
import re
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent

# (bench, key) -> (comparison, goal). Ratios are "how many times faster" unless said otherwise.
GOALS = {
    ("workspace_signup", "ratio"): (">=", 10),  # migrating / taking a spare schema
    ("turn", "ratio"): (">=", 0.5),  # visitor turns / bare one-INSERT view, per second
    ("embed_size", "embed_gzip_bytes"): ("<=", 15 * 1024),
    ("qualify", "conversations_per_s"): (">=", 200),  # offline engine, one core
    ("rescore", "ratio"): (">=", 20),  # per-row ORM loop / set-based rescore
    ("inbox", "first_page_ratio"): ("<=", 1.5),  # inbox selector / bare keyset query
    ("inbox", "deep_page_ratio"): ("<=", 1.5),
    ("load", "errors"): ("==", 0),
    ("load", "lost_turns"): ("==", 0),
    ("load", "unqualified_leads"): ("==", 0),
    ("load", "not_redelivered"): ("==", 0),  # tasks the killed worker held, never run again
    ("discovery", "sql_missed"): ("==", 0),  # SQL personas the chat's questions did not qualify
    ("discovery", "median_turns"): ("<=", 9),  # visitor turns to the closing message
}

# CI-size arguments: seconds per bench rather than minutes.
QUICK_ARGS = {
    "discovery": [],
    "embed_size": [],
    "inbox": ["--leads", "20000", "--deep", "18000", "--runs", "5"],
    "load": ["--quick"],
    "qualify": ["--seconds", "2"],
    "rescore": ["--leads", "20000", "--sample", "500"],
    "turn": ["--seconds", "3"],
    "workspace_signup": ["--runs", "3"],
}

COMPARE = {
    ">=": lambda value, goal: value >= goal,
    "<=": lambda value, goal: value <= goal,
    "==": lambda value, goal: value == goal,
}
PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)")
# Time for a script to clean up after SIGINT (its `finally` blocks) before it is killed.
INTERRUPT_GRACE_SECONDS = 60


def bench_scripts() -> list[str]:
    """The scripts of bench/ meant to be run: a main guard, and not this one."""
    return sorted(
        path.stem
        for path in BENCH_DIR.glob("*.py")
        if path.name != Path(__file__).name and '__name__ == "__main__"' in path.read_text()
    )


def bench_args(name: str, quick: bool) -> list[str]:
    if not quick:
        return []
    if name in QUICK_ARGS:
        return QUICK_ARGS[name]
    return ["--quick"] if "--quick" in (BENCH_DIR / f"{name}.py").read_text() else []


def run_bench(name: str, args: list[str], timeout: float) -> tuple[str, str]:
    """Run one bench, echoing its output; return ("ok" or why it failed, its last line)."""
    command = [sys.executable, str(BENCH_DIR / f"{name}.py"), *args]
    print(f"\n== bench/{name}.py {' '.join(args)}", flush=True)
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    timed_out = threading.Event()

    def interrupt() -> None:
        # Like Ctrl-C, so that the bench stops its servers and drops its data itself.
        timed_out.set()
        process.send_signal(signal.SIGINT)

    def kill() -> None:
        with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
            os.killpg(process.pid, signal.SIGKILL)

    timers = [
        threading.Timer(timeout, interrupt),
        threading.Timer(timeout + INTERRUPT_GRACE_SECONDS, kill),
    ]
    for timer in timers:
        timer.daemon = True
        timer.start()
    last = ""
    for line in process.stdout:
        print("   ", line, end="", flush=True)
        if line.strip():
            last = line.strip()
    code = process.wait()
    for timer in timers:
        timer.cancel()
    if timed_out.is_set():
        return f"timed out after {timeout:.0f} s", last
    if code != 0:
        return f"exit code {code}", last
    return "ok", last


def number(text: str) -> float | None:
    try:
        return float(text.rstrip("x%"))
    except ValueError:
        return None


def rows_of(name: str, outcome: str, last_line: str) -> list[tuple[str, str, str, str]]:
    """Table rows (figure, value, goal, held) for one bench."""
    goals = {key: goal for (bench, key), goal in GOALS.items() if bench == name}
    pairs = dict(PAIR.findall(last_line)) if outcome == "ok" else {}
    if outcome != "ok" or not pairs:
        why = outcome if outcome != "ok" else "no key=value figures on its last line"
        if last_line and outcome != "ok":
            why += ": " + last_line[:100].replace("|", "\\|")
        rows = [(f"{name}", why, "", "FAILED")]
        return rows + [(f"{name}: {k}", "", f"{c} {g}", "FAILED") for k, (c, g) in goals.items()]
    rows = []
    for key, value in pairs.items():
        if key not in goals:
            rows.append((f"{name}: {key}", value, "", ""))
            continue
        comparison, goal = goals[key]
        measured = number(value)
        held = "" if measured is None else ("yes" if COMPARE[comparison](measured, goal) else "NO")
        rows.append((f"{name}: {key}", value, f"{comparison} {goal}", held or "unreadable"))
    rows += [(f"{name}: {k}", "missing", f"{c} {g}", "NO") for k, (c, g) in goals.items()
             if k not in pairs]  # fmt: skip
    return rows


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        model = found.group(1) if found else ""
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({model or platform.machine()}), Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}; "
        f"load average {load} (1 / 5 / 15 min)"
    )


def markdown_table(rows: list[tuple[str, str, str, str]]) -> str:
    lines = ["| figure | value | goal | held |", "| --- | --- | --- | --- |"]
    lines += [f"| {figure} | {value} | {goal} | {held} |" for figure, value, goal, held in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="CI-size runs (see QUICK_ARGS)")
    parser.add_argument("--only", default="", help="comma-separated bench names")
    parser.add_argument(
        "--timeout", type=float, default=None, help="seconds per bench (900 quick, 7200 full)"
    )
    args = parser.parse_args()
    timeout = args.timeout or (900 if args.quick else 7200)
    names = bench_scripts()
    if args.only:
        wanted = set(args.only.split(","))
        names = [name for name in names if name in wanted]

    started = datetime.now(UTC)
    before = machine()
    rows = []
    failed = 0
    for name in names:
        outcome, last = run_bench(name, bench_args(name, args.quick), timeout)
        failed += outcome != "ok"
        rows += rows_of(name, outcome, last)

    held = sum(row[3] == "yes" for row in rows)
    missed = sum(row[3] in ("NO", "FAILED", "unreadable") and row[2] != "" for row in rows)
    mode = "quick (CI-size) runs" if args.quick else "full runs"
    print(f"\nbench/run_all.py, {mode}, {started:%Y-%m-%d %H:%M} UTC")
    print(f"machine at the start: {before}")
    print(f"machine at the end:   {machine()}\n")
    print(markdown_table(rows))
    print(f"\nbenches={len(names)} failed={failed} goals_held={held} goals_missed={missed}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
