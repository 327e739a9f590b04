"""Visitor-turn throughput and latency, against a bare Django view doing one INSERT, both served
by the same gunicorn on loopback in one run (goal: turn_rps / bare_rps >= 0.5).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley .venv/bin/python bench/turn.py \\
        [--seconds 10] [--clients 8] [--workers 2] [--rounds 5]

Each client thread answers a published starter form's questions, in conversations started
beforehand (a new one whenever one ends); only turn requests are timed, and the throughput is
turns over the wall time of the turn runs. The seconds are split into rounds, a bare run then a
turn run in each, so that a busy moment of the machine weighs on both sides alike. Between the
runs, enough conversations are started for turns as fast as the bare insert ran, so that none is
started within a timed run (a start is another endpoint; `starts_in_run` on the last line says
if one was). Everything it creates is removed at the end.
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from math import ceil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from forms_builder.services import form_create, form_publish  # noqa: E402
from tenants.models import User  # noqa: E402
from tenants.services import workspace_create  # noqa: E402

ANSWERS = ["We lose hours on bad leads", "ada@example.com", "Ada", "Acme", "CEO", "30"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    payload = json.dumps(body or {})
    conn.request(method, path, payload, {"Content-Type": "application/json"})
    response = conn.getresponse()
    data = json.loads(response.read() or b"{}")
    conn.close()
    return response.status, data


def wait_until_serving(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)  # polling a port that is not listening yet; bounded by the deadline
    raise RuntimeError("gunicorn did not start")


def run_clients(
    clients: int, seconds: float, one_request, states: list[dict] | None = None
) -> tuple[int, list[float], int, float]:
    """Each client sends requests for `seconds`; `states[i]`, client i's own, is kept across runs
    (a conversation in progress). Returns the timed requests' count, latencies, errors, wall."""
    states = states or [{} for _ in range(clients)]
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(index: int) -> None:
        nonlocal errors
        state = states[index]
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            ok = one_request(index, state)
            elapsed = time.perf_counter() - started
            with lock:
                if ok is None:
                    continue  # untimed set-up request (starting a conversation)
                latencies.append(elapsed)
                errors += not ok

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    begun = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - begun
    return len(latencies), latencies, errors, wall


def summary(name: str, runs: list[tuple[int, list[float], int, float]]) -> dict:
    count = sum(run[0] for run in runs)
    latencies = [latency for run in runs for latency in run[1]]
    errors = sum(run[2] for run in runs)
    wall = sum(run[3] for run in runs)
    ordered = sorted(latencies) or [0.0]
    figures = {
        "rps": count / wall,
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(len(ordered) * 0.95) - 1 if len(ordered) > 1 else 0] * 1000,
        "errors": errors,
    }
    print(
        f"{name}: {count} requests in {wall:.1f} s, {figures['rps']:.0f} req/s, "
        f"p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms, errors {errors}"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="the seconds are split into this many rounds, bare then turns in each, so that a "
        "busy moment of the machine weighs on both",
    )
    args = parser.parse_args()

    call_command("migrate_schemas", interactive=False, verbosity=0)
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    owner = User.objects.create(email=f"{slug}@parley.local")
    workspace = workspace_create(name=slug, slug=slug, owner=owner)
    with schema_context(workspace.schema_name):
        form = form_create(name="Bench form")
        form_publish(form=form)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS public.bench_bare_message "
            "(id bigserial PRIMARY KEY, text text, created_at timestamptz DEFAULT now())"
        )

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-only-" + uuid.uuid4().hex * 2,
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"/w/{slug}/f/{form.slug}/conversations/"
    try:
        wait_until_serving(port, server)

        def bare(index, state):
            status, _ = request(port, "POST", "/bench/bare/", {"text": "We lose hours"})
            return status == 200

        def conversation_start(index) -> str:
            _status, data = request(port, "POST", base, {"visitor_id": f"bench-{index}"})
            return data["token"]

        waiting = {index: [] for index in range(args.clients)}
        starts_in_run = 0

        def conversations_top_up(index: int, wanted: int) -> None:
            tokens = waiting[index]
            tokens.extend(conversation_start(index) for _ in range(wanted - len(tokens)))

        def turn(index, state):
            nonlocal starts_in_run
            if not state.get("token"):
                tokens = waiting[index]
                state.update(token=tokens.pop() if tokens else None, answer=0)
                if state["token"] is None:
                    state["token"] = conversation_start(index)
                    starts_in_run += 1
                    return None
            text = ANSWERS[state["answer"]]
            if state["answer"] == 0:
                # Each visitor says it in words of their own: the engine, which remembers the
                # lines it has read, must not find every conversation's words already read.
                text = f"{text}, ticket {state['token'][:8]}"
            status, data = request(port, "POST", f"{base}{state['token']}/turns/", {"text": text})
            state["answer"] += 1
            if data.get("status") == "completed" or state["answer"] == len(ANSWERS):
                state["token"] = None
            return status == 200

        run_clients(args.clients, 1, bare)  # warm-up: imports, connections
        turn_states = [{} for _ in range(args.clients)]
        bare_runs, turn_runs = [], []
        slice_s = args.seconds / args.rounds
        with ThreadPoolExecutor(args.clients) as pool:
            for _round in range(args.rounds):
                bare_runs.append(run_clients(args.clients, slice_s, bare))
                # Conversations for turns as fast as the bare insert, started between the timed
                # runs.
                fastest = max(run[0] / run[3] for run in bare_runs)
                wanted = ceil(fastest * slice_s / len(ANSWERS) / args.clients) + 1
                list(pool.map(conversations_top_up, waiting, [wanted] * args.clients))
                turn_runs.append(run_clients(args.clients, slice_s, turn, turn_states))
        bare_figures = summary("bare insert", bare_runs)
        turn_figures = summary("visitor turn", turn_runs)
    finally:
        server.terminate()
        server.wait(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS public.bench_bare_message")
            cursor.execute(f'DROP SCHEMA "{workspace.schema_name}" CASCADE')
        workspace.delete()
        owner.delete()

    print(
        f"turn_rps={turn_figures['rps']:.0f} bare_rps={bare_figures['rps']:.0f} "
        f"ratio={turn_figures['rps'] / bare_figures['rps']:.2f} "
        f"p50_ms={turn_figures['p50_ms']:.1f} p95_ms={turn_figures['p95_ms']:.1f} "
        f"errors={turn_figures['errors'] + bare_figures['errors']} starts_in_run={starts_in_run}"
    )


if __name__ == "__main__":
    main()
