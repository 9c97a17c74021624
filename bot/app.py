"""The Flask application factory."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, jsonify

from bot import admin, web_security
from bot.clock import Clock
from bot.config import ConfigError, Settings, load_secret_key
from bot.instance_files import prepare_sqlite_file, private_dir
from bot.runtime import Runtime, get_runtime

log = logging.getLogger(__name__)

#: Seconds ``/healthz`` waits for the database; it answers within 2 s even when locked.
HEALTH_TIMEOUT_S = 1.0


def default_instance_path() -> Path:
    """``$CALLTIME_INSTANCE_PATH`` or ``./instance`` (where the embedded database lives)."""
    return Path(os.environ.get("CALLTIME_INSTANCE_PATH") or Path.cwd() / "instance").resolve()


def build_settings(test_config: Mapping[str, Any] | None = None) -> Settings:
    """Settings from the environment, with lower-case keys of ``test_config`` overriding."""
    overrides = {k: v for k, v in (test_config or {}).items() if k.islower()}
    instance_path = Path(overrides.pop("instance_path", None) or default_instance_path())
    settings = Settings.from_env(instance_path)
    if overrides:
        settings = Settings(**{**settings.model_dump(), **overrides})
    return settings


def create_app(
    test_config: Mapping[str, Any] | None = None,
    *,
    clock: Clock | None = None,
    demo: bool = False,
) -> Flask:
    """Create the Calltime web app.

    Args:
        test_config: lower-case keys override :class:`Settings` fields (``database_url``
            …); upper-case keys go to Flask's config (``TESTING`` …).
        clock: the time source (tests pass a frozen clock).
        demo: ``calltime serve --demo`` (a laptop): ``PUBLIC_BASE_URL`` may be missing.

    Raises:
        ConfigError: a bad setting (see :meth:`Settings.from_env`), Twilio credentials
            without ``PUBLIC_BASE_URL`` outside demo mode and tests (see
            :meth:`Settings.check_public_url`), or an instance folder that cannot be used.

    The app never starts the worker or the scheduler: ``calltime serve`` and the
    Procfile's ``worker``/``clock`` processes do, so gunicorn workers don't each run jobs.
    """
    settings = build_settings(test_config)
    if not (demo or (test_config or {}).get("TESTING")):
        settings.check_public_url()
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config["SECRET_KEY"] = prepare_instance(settings)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    app.config.update({k: v for k, v in (test_config or {}).items() if k.isupper()})
    web_security.init_app(app, trust_proxy=settings.trust_proxy)

    runtime = Runtime.from_settings(settings, clock=clock)
    app.extensions["calltime"] = runtime
    register_blueprints(app)
    return app


def prepare_instance(settings: Settings) -> str:
    """Create the instance folder and the embedded database file; return the secret key.

    Raises:
        ConfigError: the folder or a file in it cannot be created or read, in one line.
    """
    try:
        private_dir(settings.instance_path)
        prepare_sqlite_file(settings.database_url)
        return settings.secret_key or load_secret_key(settings.instance_path)
    except OSError as exc:
        where = exc.filename or settings.instance_path
        raise ConfigError(
            f"cannot use {where} ({exc.strerror or exc}): set CALLTIME_INSTANCE_PATH "
            "(or DATABASE_URL) to a folder Calltime may write"
        ) from None


def register_blueprints(app: Flask) -> None:
    """Mount every HTTP surface of Calltime on ``app``."""
    from bot.whatsapp.webhook import init_app as init_whatsapp

    init_whatsapp(app)
    admin.init_app(app)

    @app.get("/healthz")
    def healthz() -> Any:
        """``ok``, or 503 saying the database is unavailable or locked — within ~1 s."""
        runtime = get_runtime(app)
        try:
            probe = runtime.db.probe(timeout=HEALTH_TIMEOUT_S)
        except Exception as exc:  # the check's job is to report, not to raise
            log.warning("health check: database unavailable: %s", exc)
            return jsonify(status="error", database="unavailable"), 503
        if probe == "locked":
            log.warning("health check: the database stayed locked for %s s", HEALTH_TIMEOUT_S)
            answer = jsonify(status="error", database="locked")
            return answer, 503, {"Retry-After": "5"}
        from memory import search_mode

        return jsonify(status="ok", database=runtime.db.dialect, search=search_mode(runtime))
