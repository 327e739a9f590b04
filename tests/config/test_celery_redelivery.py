"""A worker killed outright (SIGKILL, a lost machine) loses no task: tasks are acknowledged
after they ran, and what the dead worker held goes back to its Redis queue once older than the
visibility timeout, which is short enough to matter and longer than any task's retry countdown
(a countdown shorter than it would have the message restored and run twice).
bench/load.py kills a real worker mid-run and checks that every lead still gets qualified."""

from config.celery import app as celery_app

# A lead should not wait kombu's default hour for a dead worker's task to come back.
REDELIVERY_GOAL_SECONDS = 30 * 60


def _project_tasks():
    celery_app.loader.import_default_modules()
    return [
        task
        for name, task in celery_app.tasks.items()
        if name.split(".")[0] in {"tenants", "forms_builder", "leads", "billing"}
    ]


def _longest_countdown(task) -> int:
    """The longest a retried task's new message waits for its turn, held unacknowledged."""
    if getattr(task, "retry_backoff", False):
        return getattr(task, "retry_backoff_max", 600)
    return task.default_retry_delay


def test_tasks_are_acknowledged_after_they_ran_and_requeued_when_a_child_dies():
    conf = celery_app.conf

    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    # A worker takes one task ahead per process: a killed worker strands no more than that.
    assert conf.worker_prefetch_multiplier == 1


def test_no_task_opts_out_of_late_acknowledgement():
    tasks = _project_tasks()

    assert any(task.name == "leads.tasks.lead_qualify_task" for task in tasks)
    assert [task.name for task in tasks if task.acks_late is False] == []


def test_a_dead_workers_tasks_come_back_well_within_the_hour():
    options = celery_app.conf.broker_transport_options

    sweep_seconds = options["unacked_restore_interval"] * options["unacked_restore_throttle"]
    assert options["visibility_timeout"] + sweep_seconds <= REDELIVERY_GOAL_SECONDS


def test_the_visibility_timeout_outlasts_every_retry_countdown():
    # Given every task of the project that retries by itself
    retried = [task for task in _project_tasks() if getattr(task, "autoretry_for", ())]
    assert retried

    # Then none waits for its retry longer than the broker keeps a message invisible
    timeout = celery_app.conf.broker_transport_options["visibility_timeout"]
    too_long = {t.name: _longest_countdown(t) for t in retried if _longest_countdown(t) >= timeout}
    assert too_long == {}
