"""Every task is named once, in consult/queue.py, and the worker registers every name."""

import ast
import re

from consult import ROOT, queue

TASK_LIKE = re.compile(r"^consult\.[a-z_]+\.[a-z_]+$")


def test_every_task_name_is_registered_by_the_worker(app):
    import worker.tasks  # noqa: F401

    registered = {name for name in app.extensions["celery"].tasks if name.startswith("consult.")}

    assert set(queue.TASK_NAMES) == registered
    assert len(queue.TASK_NAMES) == len(set(queue.TASK_NAMES))


def test_no_task_name_is_written_anywhere_but_the_queue_module():
    written = []
    for path in [*(ROOT / "consult").rglob("*.py"), *(ROOT / "worker").rglob("*.py")]:
        if path == ROOT / "consult" / "queue.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and TASK_LIKE.match(node.value):
                written.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value}")

    assert written == []


def test_every_scheduled_task_is_one_of_the_names(app):
    from worker.schedule import beat_schedule

    assert {entry["task"] for entry in beat_schedule(app.config).values()} <= set(queue.TASK_NAMES)
