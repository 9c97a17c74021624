"""Configuration from the environment, validated once by a pydantic model.

Every variable is optional: the defaults give the embedded mode (SQLite under
``instance/``, simulated WhatsApp sends, the rules planner without a model).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.instance_files import private_dir, write_private_file

DEFAULT_LLM_MODEL = "claude-haiku-4-5"
#: Where ``calltime serve`` listens unless told otherwise.
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
EXAMPLE_URLS = "postgresql://user:password@host/name or sqlite:///path/to/calltime.db"


def normalise_database_url(url: str) -> str:
    """Accept the ``postgres://`` scheme hosting platforms hand out and pick psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def check_database_url(url: str) -> str:
    """``url`` normalised, if Calltime can run on it (SQLite, or PostgreSQL with psycopg 3).

    Raises:
        ValueError: not a URL, another database or driver, or psycopg is not installed;
            the message says what to write or install.
    """
    url = normalise_database_url(url)
    try:
        backend, _, driver = make_url(url).drivername.partition("+")
    except ArgumentError:
        raise ValueError(f"not a database URL; expected {EXAMPLE_URLS}") from None
    if backend == "sqlite" and driver in {"", "pysqlite"}:
        return url
    if backend != "postgresql":
        raise ValueError(f"unsupported database {backend!r}; Calltime runs on {EXAMPLE_URLS}")
    if driver != "psycopg":
        raise ValueError(
            f"Calltime talks to PostgreSQL through psycopg 3, not {driver}: "
            "write postgresql://user:password@host/name"
        )
    if importlib.util.find_spec("psycopg") is None:
        raise ValueError(
            "the PostgreSQL driver is not installed: pip install 'psycopg[binary]' "
            "(make run installs it)"
        )
    return url


class ConfigError(RuntimeError):
    """A configuration Calltime refuses to start with; the message says what to set."""


class Settings(BaseModel):
    """Typed view of the process environment (see the README's table)."""

    instance_path: Path
    database_url: str = ""
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_whatsapp_number: str | None = None
    twilio_api_base_url: str = "https://api.twilio.com"
    twilio_nudge_content_sid: str | None = None
    public_base_url: str | None = None
    trust_proxy: bool = False
    insecure_skip_signature: bool = False
    anthropic_api_key: str | None = None
    anthropic_base_url: str | None = None
    llm_model: str = DEFAULT_LLM_MODEL
    memory_backend: Literal["local", "zerodb"] = "local"
    zerodb_api_url: str | None = None
    zerodb_api_key: str | None = None
    zerodb_project_id: str | None = None
    session_idle_hours: float = Field(default=12.0, gt=0)
    #: Queue worker threads of ``calltime serve``: model turns of different operators run
    #: at once, one per thread (a thread holds no database connection while it waits).
    worker_threads: int = Field(default=8, ge=1, le=64)
    #: An outcome this long after the current contact was chosen asks which donor is meant.
    stale_contact_minutes: float = Field(default=30.0, gt=0)
    #: A pledge or payment above this asks for a confirmation first (project currency).
    amount_ceiling: Decimal = Field(default=Decimal(1_000_000), gt=0)
    secret_key: str = ""
    #: Where ``calltime serve`` listens; set at start-up, never read from the environment.
    serving_url: str | None = None

    def base_url(self) -> str:
        """Where people open Calltime's pages (login links): ``PUBLIC_BASE_URL``, else
        where ``calltime serve`` listens, else :data:`DEFAULT_BASE_URL`."""
        return (self.public_base_url or self.serving_url or DEFAULT_BASE_URL).rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        return check_database_url(value) if value else value

    def check_public_url(self) -> None:
        """Refuse Twilio credentials without ``PUBLIC_BASE_URL`` (outside demo mode).

        Twilio signs the URL it called. Checked against the request's own Host header,
        a signature Twilio made for another deployment on the same account could be
        replayed here; and one-time login links would point at 127.0.0.1.

        Raises:
            ConfigError: one line naming the variable to set.
        """
        if self.twilio_auth_token and not self.public_base_url:
            raise ConfigError(
                "PUBLIC_BASE_URL is required when TWILIO_AUTH_TOKEN is set: set it to the "
                "https URL Twilio calls (webhook signatures and login links are checked "
                "against it), or use `calltime serve --demo` on a laptop"
            )

    @classmethod
    def from_env(cls, instance_path: Path, env: dict[str, str] | None = None) -> Settings:
        """Build settings from ``env`` (default ``os.environ``); blank values count as unset.

        Raises:
            ConfigError: a value that cannot be used, in one line naming its variable.
        """
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {
            "instance_path": instance_path,
            "database_url": f"sqlite:///{instance_path / 'calltime.db'}",
        }
        for field, name in ENV_NAMES.items():
            value = env.get(name, "").strip()
            if value:
                values[field] = value.lower() in {"1", "true", "yes"} if field in FLAGS else value
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ConfigError(describe_invalid(exc)) from None


#: The environment variable each setting is read from (the README's table).
ENV_NAMES = {
    "database_url": "DATABASE_URL",
    "twilio_account_sid": "TWILIO_ACCOUNT_SID",
    "twilio_auth_token": "TWILIO_AUTH_TOKEN",
    "twilio_whatsapp_number": "TWILIO_WHATSAPP_NUMBER",
    "twilio_api_base_url": "TWILIO_API_BASE_URL",
    "twilio_nudge_content_sid": "TWILIO_NUDGE_CONTENT_SID",
    "public_base_url": "PUBLIC_BASE_URL",
    "trust_proxy": "CALLTIME_TRUST_PROXY",
    "insecure_skip_signature": "CALLTIME_INSECURE_SKIP_SIGNATURE",
    "anthropic_api_key": "ANTHROPIC_API_KEY",
    "anthropic_base_url": "ANTHROPIC_BASE_URL",
    "llm_model": "CALLTIME_LLM_MODEL",
    "memory_backend": "MEMORY_BACKEND",
    "zerodb_api_url": "ZERODB_API_URL",
    "zerodb_api_key": "ZERODB_API_KEY",
    "zerodb_project_id": "ZERODB_PROJECT_ID",
    "session_idle_hours": "CALLTIME_SESSION_IDLE_HOURS",
    "worker_threads": "CALLTIME_WORKER_THREADS",
    "stale_contact_minutes": "CALLTIME_STALE_CONTACT_MINUTES",
    "amount_ceiling": "CALLTIME_AMOUNT_CEILING",
    "secret_key": "SECRET_KEY",
}
#: Settings switched on by ``1``, ``true`` or ``yes``.
FLAGS = {"trust_proxy", "insecure_skip_signature"}


def describe_invalid(exc: ValidationError) -> str:
    """One line per bad value, naming its variable; values are never echoed (secrets)."""
    problems = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{ENV_NAMES.get(field, field)}: {message}")
    return "; ".join(problems)


def load_secret_key(instance_path: Path) -> str:
    """Return the key that signs admin sessions, generating it into ``instance/`` once.

    The file is created ``0600`` in one step; when two processes start at once, the
    second reads the first one's key.
    """
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        private_dir(instance_path)
        with contextlib.suppress(FileExistsError):  # another process was first
            write_private_file(key_file, secrets.token_hex(32).encode(), exclusive=True)
    return key_file.read_text().strip()
