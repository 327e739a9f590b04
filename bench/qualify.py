"""Offline qualification throughput on one core (goal: at least 200 conversations per second).

    .venv/bin/python bench/qualify.py [--seconds 5] [--max-rounds 1000]

Qualifies every conversation of tests/data/qualification/dev.jsonl with the offline engine, in
this one process and thread (pinned to one CPU where the system allows), round after round until
--seconds have passed: at least one round, at most --max-rounds, after one untimed warm-up round.
Needs no database. Prints the rounds and the slowest conversations, then `conversations_per_s=…`.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

# Numerical libraries an engine may load start a thread pool per core unless told otherwise.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from leads.qualification.engines import engine_get  # noqa: E402
from leads.qualification.evaluation import dataset_read  # noqa: E402
from leads.qualification.learned.model import models_load  # noqa: E402

DEV_SET = ROOT / "tests" / "data" / "qualification" / "dev.jsonl"


def pin_to_one_cpu() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity here)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--max-rounds", type=int, default=1000)
    args = parser.parse_args()

    pinned = pin_to_one_cpu()
    rows = dataset_read(DEV_SET)
    engine = engine_get("offline")
    print(f"{len(rows)} conversations, {engine.name} engine {engine.version}, {pinned}")

    started = time.perf_counter()
    for row in rows:  # warm-up: first-time imports, compiled patterns, caches
        engine.qualify(row.transcript)
    print(f"warm-up round: {time.perf_counter() - started:.3f} s")

    seconds_per_id = {row.id: [] for row in rows}
    rounds, elapsed = 0, 0.0
    started = time.perf_counter()
    while rounds < args.max_rounds and (rounds == 0 or elapsed < args.seconds):
        # Every conversation read as new: the learned readings remember the lines they counted
        # (a conversation's earlier turns), which a round of the same conversations would hit.
        # Outside the timed part, since the cache belongs to the engine, not to this loop.
        lap = time.perf_counter()
        models_load().featurizer.line_counts.cache_clear()
        started += time.perf_counter() - lap
        for row in rows:
            before = time.perf_counter()
            engine.qualify(row.transcript)
            seconds_per_id[row.id].append(time.perf_counter() - before)
        rounds += 1
        elapsed = time.perf_counter() - started

    conversations = rounds * len(rows)
    per_conversation = {id_: statistics.median(times) for id_, times in seconds_per_id.items()}
    slowest = sorted(per_conversation, key=per_conversation.get, reverse=True)[:3]
    print(f"{rounds} rounds, {conversations} conversations in {elapsed:.3f} s")
    print(
        f"median {statistics.median(per_conversation.values()) * 1000:.2f} ms per conversation;"
        " slowest: " + ", ".join(f"{id_} {per_conversation[id_] * 1000:.2f} ms" for id_ in slowest)
    )
    print(f"conversations_per_s={conversations / elapsed:.1f}")


if __name__ == "__main__":
    main()
