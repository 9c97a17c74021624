"""Configuration from the environment, validated once by a pydantic model.

Every variable is optional: the defaults give the embedded mode (SQLite under
``instance/``, simulated WhatsApp sends, the rules planner without a model).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from bot.instance_files import private_dir, write_private_file

DEFAULT_LLM_MODEL = "claude-haiku-4-5"


def normalise_database_url(url: str) -> str:
    """Accept the ``postgres://`` scheme hosting platforms hand out and pick psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
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

    @field_validator("database_url")
    @classmethod
    def _fix_scheme(cls, value: str) -> str:
        return normalise_database_url(value) if value else value

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
        """Build settings from ``env`` (default ``os.environ``); blank values count as unset."""
        env = dict(os.environ if env is None else env)

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        values: dict[str, Any] = {
            "instance_path": instance_path,
            "database_url": get("DATABASE_URL") or f"sqlite:///{instance_path / 'calltime.db'}",
            "twilio_account_sid": get("TWILIO_ACCOUNT_SID"),
            "twilio_auth_token": get("TWILIO_AUTH_TOKEN"),
            "twilio_whatsapp_number": get("TWILIO_WHATSAPP_NUMBER"),
            "twilio_api_base_url": get("TWILIO_API_BASE_URL") or "https://api.twilio.com",
            "twilio_nudge_content_sid": get("TWILIO_NUDGE_CONTENT_SID"),
            "public_base_url": get("PUBLIC_BASE_URL"),
            "trust_proxy": (get("CALLTIME_TRUST_PROXY") or "0") in {"1", "true", "yes"},
            "insecure_skip_signature": (get("CALLTIME_INSECURE_SKIP_SIGNATURE") or "0")
            in {"1", "true", "yes"},
            "anthropic_api_key": get("ANTHROPIC_API_KEY"),
            "anthropic_base_url": get("ANTHROPIC_BASE_URL"),
            "llm_model": get("CALLTIME_LLM_MODEL") or DEFAULT_LLM_MODEL,
            "memory_backend": get("MEMORY_BACKEND") or "local",
            "zerodb_api_url": get("ZERODB_API_URL"),
            "zerodb_api_key": get("ZERODB_API_KEY"),
            "zerodb_project_id": get("ZERODB_PROJECT_ID"),
            "session_idle_hours": get("CALLTIME_SESSION_IDLE_HOURS") or 12.0,
            "worker_threads": get("CALLTIME_WORKER_THREADS") or 8,
            "stale_contact_minutes": get("CALLTIME_STALE_CONTACT_MINUTES") or 30.0,
            "amount_ceiling": get("CALLTIME_AMOUNT_CEILING") or Decimal(1_000_000),
            "secret_key": get("SECRET_KEY") or "",
        }
        return cls(**values)


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
