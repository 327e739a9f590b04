"""Parley under load, as deployed: gunicorn and a real Celery worker on the machine's PostgreSQL
and Redis, and many visitors holding whole conversations at once, on loopback.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/load.py [--clients 200] [--seconds 60] [--quick]

`--quick` is 30 visitors for 10 seconds (CI-size). A fresh workspace (on the Growth plan, as a
paying customer) gets a published starter form; gunicorn serves it with DEBUG off and rate
limits off (bench/bench_settings.py: the bench is one address sending far more than any
visitor), `--workers` processes (default: one per core; sync workers, since a turn is CPU and
short database round trips and the cores are the limit, not waiting), and a Celery worker
(`celery -A config worker`, prefork, one process per core) qualifies the leads.

Each visitor (one asyncio task, aiohttp) starts a conversation, answers every question and
follow-up until the conversation completes, then starts another, until the time is up; the run
sends at most `--max-requests`. Once, at 40 % of the run, the worker is killed with SIGKILL (its
whole process group, as a lost machine would be) at a moment it holds a task, then started again:
what it held is still in kombu's "unacked" set in Redis and comes back to the queue once older
than the visibility timeout (`CELERY_VISIBILITY_TIMEOUT_SECONDS`, set to `--visibility-timeout`,
15 s here, 15 minutes in production; see config/settings.py), thanks to late acknowledgement.

After the run it waits, polling with a deadline, until no task is queued nor held. A finished
conversation still unqualified then lost its task in flight: kombu pops a message from Redis,
then records it as held, and a kill between the two loses it (lost_in_flight; a known limit of
the Redis transport, kombu issue 305). What recovers it in production is the sweep that beat
runs every 10 minutes (leads.tasks.leads_qualify_missing_in_workspace); the bench queues that
sweep at once, for conversations of any age, and waits again. Then it checks in the database
that every turn answered 200 is a stored visitor message (lost_turns) and that every completed
conversation has a qualified lead (unqualified_leads). Everything it made is removed. Last line:
`rps=… p95_ms=… errors=… lost_turns=… unqualified_leads=… p50_ms=… p99_ms=… …`.
"""

import argparse
import asyncio
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import aiohttp  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db.models import Count  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from bench.leads_data import bench_workspace  # noqa: E402
from billing.models import BillingAccount  # noqa: E402
from forms_builder.services import form_create, form_publish  # noqa: E402
from leads.models import Conversation, ConversationStatus, Message, MessageRole  # noqa: E402

# The starter form's six questions, then answers to the discovery follow-ups (at most three).
ANSWERS = [
    "Our reps waste half their week on leads that never buy",
    None,  # the e-mail, one per conversation so that each makes its own lead
    "Ada Lovelace",
    "Acme Analytics",
    "Head of Sales",
    "30",
]
FOLLOWUP_ANSWERS = [
    "We lose deals because good leads wait days for a call",
    "We need it this quarter, I decide with our CFO and the budget is 15k€ a year",
    "It would double the meetings our team books",
]
# A conversation of the starter form ends after at most 6 + 3 turns; past this, something is off.
MAX_TURNS = 15
REQUEST_TIMEOUT_SECONDS = 30
STARTUP_TIMEOUT_SECONDS = 90
STOP_TIMEOUT_SECONDS = 30
# How long to wait, once the run is at the kill point, for the worker to hold a task.
HOLD_TIMEOUT_SECONDS = 15
POLL_SECONDS = 0.25


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float, what: str) -> float:
    """Poll `condition` until it holds; raise after `timeout` seconds. Returns the wait."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(POLL_SECONDS)  # polling a condition with a deadline, not a fixed pause
    return time.monotonic() - started


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process group (graceful: gunicorn finishes its requests, the worker its
    tasks), SIGKILL if it has not stopped in time."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_SECONDS)


class Broker:
    """What the run needs to see in Redis: its queue and kombu's unacknowledged messages."""

    def __init__(self, url: str, queue: str):
        self.client = redis.Redis.from_url(url)
        self.queue = queue
        # kombu keeps one list per priority step; messages without a priority use the first.
        self.queue_keys = [queue] + [f"{queue}\x06\x16{step}" for step in (3, 6, 9)]

    def queued(self) -> int:
        return sum(self.client.llen(key) for key in self.queue_keys)

    def unacked(self) -> dict[str, dict]:
        """Messages of this run's queue taken by a worker and not acknowledged, by delivery tag."""
        held = {}
        for tag, raw in self.client.hgetall("unacked").items():
            message, _exchange, routing_key = json.loads(raw)
            if routing_key == self.queue:
                held[tag.decode()] = message["headers"]
        return held

    def idle(self) -> bool:
        """No task queued nor held, twice in a row: a worker pops a message before it records it
        as held, so one look could fall between the two."""
        for _ in range(2):
            if self.queued() or self.unacked():
                return False
            time.sleep(POLL_SECONDS)  # the second look, a moment later
        return True

    def clean(self) -> None:
        tags = list(self.unacked())
        if tags:
            self.client.hdel("unacked", *tags)
            self.client.zrem("unacked_index", *tags)
        self.client.delete(*self.queue_keys, f"_kombu.binding.{self.queue}")


class Worker:
    """The Celery worker, in a process group of its own so that it can be killed whole."""

    def __init__(self, env: dict, queue: str, concurrency: int, log_dir: Path):
        self.env, self.queue, self.concurrency, self.log_dir = env, queue, concurrency, log_dir
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = (self.log_dir / f"worker-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                f"--concurrency={self.concurrency}",
                "--queues",
                self.queue,
                "--hostname",
                f"{self.queue}-{self.starts}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL to the main process and its pool at once: no warm shutdown, no requeue."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT_SECONDS)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


@dataclass
class Stats:
    requests: int = 0
    errors: int = 0
    error_kinds: Counter = field(default_factory=Counter)
    turn_latencies: list[float] = field(default_factory=list)
    turns_ok: Counter = field(default_factory=Counter)  # conversation token -> turns answered 200
    started: set = field(default_factory=set)
    completed: set = field(default_factory=set)
    stuck: int = 0
    kill: dict = field(default_factory=dict)


async def post(session, stats: Stats, url: str, body: dict) -> tuple[int, dict]:
    stats.requests += 1
    try:
        async with session.post(url, json=body) as response:
            data = await response.json(content_type=None)
            return response.status, data if isinstance(data, dict) else {}
    except (TimeoutError, aiohttp.ClientError, ValueError) as error:
        return 0, {"error": {"code": type(error).__name__}}


def failed(stats: Stats, status: int, data: dict) -> None:
    stats.errors += 1
    stats.error_kinds[f"{status} {data.get('error', {}).get('code', '')}".strip()] += 1


async def visitor(index: int, session, base: str, stats: Stats, stop_at: float, cap: int):
    number = 0
    while time.monotonic() < stop_at and stats.requests < cap:
        number += 1
        status, data = await post(session, stats, base, {"visitor_id": f"load-{index}-{number}"})
        if status != 201:
            failed(stats, status, data)
            continue
        token = data["token"]
        stats.started.add(token)
        answers = [a or f"visitor-{index}-{number}@example.com" for a in ANSWERS]
        answers += FOLLOWUP_ANSWERS
        for turn in range(MAX_TURNS):
            if time.monotonic() >= stop_at or stats.requests >= cap:
                return
            text = answers[turn] if turn < len(answers) else FOLLOWUP_ANSWERS[-1]
            began = time.perf_counter()
            status, data = await post(session, stats, f"{base}{token}/turns/", {"text": text})
            stats.turn_latencies.append(time.perf_counter() - began)
            if status != 200:
                failed(stats, status, data)
                break
            stats.turns_ok[token] += 1
            if data.get("status") == ConversationStatus.COMPLETED:
                stats.completed.add(token)
                break
        else:
            stats.stuck += 1


async def chaos(worker: Worker, broker: Broker, stats: Stats, kill_after: float) -> None:
    """Kill the worker once while it holds a task, then start it again."""
    await asyncio.sleep(kill_after)  # the run's timeline: the kill happens mid-run
    deadline = time.monotonic() + HOLD_TIMEOUT_SECONDS
    while not await asyncio.to_thread(broker.unacked) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)  # polling Redis for a held task, bounded by the deadline
    await asyncio.to_thread(worker.kill)
    killed_at = time.monotonic()
    # The worker is dead and the new one not started: every unacked message was the dead one's.
    held = await asyncio.to_thread(broker.unacked)
    worker.start()
    stats.kill = {"at": killed_at, "held": held}
    print(
        f"killed the worker (SIGKILL) holding {len(held)} task(s): "
        + ", ".join(f"{h['task'].rsplit('.', 1)[-1]}{h.get('argsrepr', '')}" for h in held.values())
        + "; started it again",
        flush=True,
    )


async def drive(args, port: int, base: str, worker: Worker, broker: Broker) -> tuple[Stats, float]:
    stats = Stats()
    connector = aiohttp.TCPConnector(limit=args.clients)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(
        f"http://127.0.0.1:{port}", connector=connector, timeout=timeout
    ) as session:
        began = time.monotonic()
        stop_at = began + args.seconds
        tasks = [
            visitor(i, session, base, stats, stop_at, args.max_requests)
            for i in range(args.clients)
        ]
        if not args.no_kill:
            tasks.append(chaos(worker, broker, stats, args.seconds * 0.4))
        await asyncio.gather(*tasks)
        wall = time.monotonic() - began
    return stats, wall


def sweep(schema_name: str, queue: str) -> None:
    """Queue the sweep of unqualified leads (leads.tasks), for conversations of any age, to
    the run's worker, from the workspace's schema as beat's own sweep does."""
    from config.celery import app
    from leads.tasks import leads_qualify_missing_in_workspace

    with app.connection_for_write(settings.REDIS_URL) as conn, schema_context(schema_name):
        leads_qualify_missing_in_workspace.apply_async(
            kwargs={"older_than_seconds": 0}, queue=queue, connection=conn
        )


def stored_check(schema_name: str, stats: Stats) -> dict:
    """What the database holds against what the visitors were told."""
    with schema_context(schema_name):
        stored = dict(
            Message.objects.filter(role=MessageRole.VISITOR)
            .values_list("conversation__token")
            .annotate(n=Count("pk"))
        )
        completed = stats.completed | set(
            Conversation.objects.filter(status=ConversationStatus.COMPLETED).values_list(
                "token", flat=True
            )
        )
        qualified = set(
            Conversation.objects.filter(
                status=ConversationStatus.COMPLETED, lead__qualified_at__isnull=False
            ).values_list("token", flat=True)
        )
    return {
        "lost_turns": sum(max(0, ok - stored.get(t, 0)) for t, ok in stats.turns_ok.items()),
        "completed": len(completed),
        "unqualified_leads": len(completed - qualified),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--quick", action="store_true", help="30 clients for 10 s (CI-size)")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--concurrency", type=int, default=os.cpu_count(), help="Celery's")
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--visibility-timeout", type=int, default=15)
    parser.add_argument("--drain-seconds", type=float, default=180)
    parser.add_argument("--no-kill", action="store_true", help="leave the worker alone")
    args = parser.parse_args()
    if args.quick:
        args.clients, args.seconds = 30, 10
    if not settings.REDIS_URL:
        sys.exit("bench/load.py needs REDIS_URL: the worker takes its tasks from Redis")

    queue = f"parley-load-{uuid.uuid4().hex[:8]}"
    broker = Broker(settings.REDIS_URL, queue)
    log_dir = Path(tempfile.mkdtemp(prefix="parley-load-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-only-" + uuid.uuid4().hex * 2,
        "PARLEY_BENCH_QUEUE": queue,
        "CELERY_VISIBILITY_TIMEOUT_SECONDS": str(args.visibility_timeout),
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    with bench_workspace("bench-load") as (workspace, _owner):
        BillingAccount.objects.update_or_create(workspace=workspace, defaults={"plan": "growth"})
        with schema_context(workspace.schema_name):
            form = form_create(name="Load form")
            form_publish(form=form)
        base = f"/w/{workspace.slug}/f/{form.slug}/conversations/"
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                f"--workers={args.workers}",
                f"--threads={args.threads}",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        worker = Worker(env, queue, args.concurrency, log_dir)
        worker.start()
        try:
            wait_until(lambda: healthy(port, server), STARTUP_TIMEOUT_SECONDS, "gunicorn")
            print(
                f"{args.clients} visitors for {args.seconds:.0f} s against gunicorn "
                f"({args.workers} workers x {args.threads} threads) and a Celery worker "
                f"({args.concurrency} processes), queue {queue}",
                flush=True,
            )
            stats, wall = asyncio.run(drive(args, port, base, worker, broker))
            print(f"run over after {wall:.1f} s; waiting for the queue to drain", flush=True)

            lost = 0
            try:
                drain_s = wait_until(broker.idle, args.drain_seconds, "the queue to drain")
                # Nothing queued nor held: a finished conversation still unqualified now lost
                # its task. The product's sweep (every 10 minutes, for conversations ended 5
                # minutes ago) queues it again; here it runs at once, through the worker.
                lost = stored_check(workspace.schema_name, stats)["unqualified_leads"]
                if lost:
                    sweep(workspace.schema_name, queue)
                    wait_until(broker.idle, args.drain_seconds, "the sweep's tasks")
            except RuntimeError as error:
                drain_s = float("nan")
                print(f"{error}; worker logs in {log_dir}", flush=True)
            check = stored_check(workspace.schema_name, stats)
            still_held = set(stats.kill.get("held", {})) & set(broker.unacked())
        finally:
            stop(server)
            worker.stop()
            broker.clean()

    latencies = sorted(stats.turn_latencies) or [0.0]
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    p50, p95, p99 = (cuts[q - 1] * 1000 for q in (50, 95, 99))
    rps = stats.requests / wall
    held = stats.kill.get("held", {})
    redelivered = len(held) - len(still_held)
    print(
        f"{stats.requests} requests in {wall:.1f} s: {rps:.0f} req/s; {len(latencies)} turns, "
        f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms; errors {stats.errors} "
        f"{dict(stats.error_kinds) or ''}"
    )
    print(
        f"{len(stats.started)} conversations started, {check['completed']} completed, "
        f"{stats.stuck} stuck; queue drained {drain_s:.1f} s after the run; "
        f"the killed worker's {len(held)} task(s): {redelivered} redelivered; "
        f"{lost} lost in flight and queued again by the sweep"
    )
    print(
        f"rps={rps:.0f} p95_ms={p95:.0f} errors={stats.errors} lost_turns={check['lost_turns']} "
        f"unqualified_leads={check['unqualified_leads']} p50_ms={p50:.0f} p99_ms={p99:.0f} "
        f"conversations={check['completed']} killed_holding={len(held)} "
        f"not_redelivered={len(held) - redelivered} lost_in_flight={lost}"
    )


def healthy(port: int, server: subprocess.Popen) -> bool:
    """/healthz answers 200: gunicorn serves, and reaches PostgreSQL and Redis."""
    if server.poll() is not None:
        raise RuntimeError("gunicorn exited early")
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/healthz")
        status = conn.getresponse().status
        conn.close()
    except (OSError, http.client.HTTPException):
        return False
    return status == 200


if __name__ == "__main__":
    main()
