"""gunicorn settings for Calltime's web processes: ``gunicorn -c python:bot.gunicorn_hooks``.

The Procfile's ``web`` line loads this module as gunicorn's configuration; the command
line still sets workers, threads and the bind address.
"""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    """Freeze each worker's start-up heap once its app is loaded (see ``freeze_heap``)."""
    from bot.whatsapp.warm_up import freeze_heap

    freeze_heap()
