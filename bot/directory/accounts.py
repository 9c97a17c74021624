"""Admin authentication: passwords, one-time login links and failed-login limits.

Nothing here touches Flask's request; :mod:`bot.admin.security` turns a verified
:class:`User` into a browser session. Only active users with role ``ADMIN`` may sign in.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bot.models import LoginAttempt, LoginToken, User
from bot.phones import InvalidPhone, to_e164
from bot.runtime import Runtime
from bot.store import ProjectScope

LINK_LIFETIME = timedelta(minutes=10)
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
MIN_PASSWORD_LENGTH = 10
ADMIN_ROLES = ("ADMIN",)
_LINK_SALT = "calltime-admin-login-link"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


class LoginFailed(Exception):
    """Wrong identifier, password or link; the message never says which."""


class NotAdmin(Exception):
    """The credentials are right but the user may not use the dashboard."""


class RateLimited(Exception):
    """Too many failed logins recently for this account or address."""


class PasswordError(ValueError):
    """A password that cannot be set."""


# -- passwords ------------------------------------------------------------------------
def set_password(scope: ProjectScope, user: User, password: str) -> None:
    """Store a salted hash of ``password`` for ``user`` (audited; the hash is never shown).

    Raises:
        PasswordError: too short; nothing is written.
    """
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise PasswordError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    scope.update(user, password_hash=generate_password_hash(password))


def find_login_candidates(session: Session, identifier: str) -> list[User]:
    """Active users whose email or phone is ``identifier`` (a phone may span projects)."""
    text = (identifier or "").strip()
    if not text:
        return []
    conditions = [func.lower(User.email) == text.lower()]
    with contextlib.suppress(InvalidPhone):
        conditions.append(User.phone == to_e164(text))
    stmt = select(User).where(or_(*conditions), User.is_active.is_(True))
    return list(session.scalars(stmt))


def authenticate(session: Session, identifier: str, password: str, now: datetime) -> User:
    """The user ``identifier`` + ``password`` names, after the rate limit.

    Raises:
        RateLimited: too many recent failures for this identifier (or address).
        LoginFailed: no such user or wrong password (recorded as a failure).
        NotAdmin: right password, but the user is not an admin.
    """
    key = account_key(identifier)
    if too_many_failures(session, key, MAX_FAILURES_PER_ACCOUNT, now):
        raise RateLimited("too many failed sign-ins; try again in 15 minutes")
    matches = [
        user
        for user in find_login_candidates(session, identifier)
        if user.password_hash and check_password_hash(user.password_hash, password or "")
    ]
    if len(matches) != 1:
        record_attempt(session, key, succeeded=False, now=now)
        raise LoginFailed("wrong email/phone or password")
    user = matches[0]
    if user.role not in ADMIN_ROLES:
        raise NotAdmin("only a project's admins may use the dashboard")
    record_attempt(session, key, succeeded=True, now=now)
    return user


# -- rate limiting --------------------------------------------------------------------
def account_key(identifier: str) -> str:
    return "account:" + (identifier or "").strip().lower()


def address_key(remote_addr: str | None) -> str:
    return f"address:{remote_addr or 'unknown'}"


def record_attempt(session: Session, key: str, *, succeeded: bool, now: datetime) -> None:
    session.add(LoginAttempt(key=key, succeeded=succeeded, created_at=now))
    session.flush()


def too_many_failures(session: Session, key: str, limit: int, now: datetime) -> bool:
    """Whether ``key`` has ``limit`` or more failures within :data:`FAILURE_WINDOW`."""
    stmt = select(func.count()).where(
        LoginAttempt.key == key,
        LoginAttempt.succeeded.is_(False),
        LoginAttempt.created_at >= now - FAILURE_WINDOW,
    )
    return int(session.scalar(stmt) or 0) >= limit


# -- one-time links -------------------------------------------------------------------
def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_LINK_SALT)


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def secret_key_of(runtime: Runtime) -> str:
    """The key that signs sessions and links (the same one the Flask app uses)."""
    from bot.config import load_secret_key

    return runtime.settings.secret_key or load_secret_key(runtime.settings.instance_path)


def issue_login_link(runtime: Runtime, scope: ProjectScope, user: User) -> str:
    """A signed, single-use dashboard link for ``user``, valid for 10 minutes.

    Only a hash of the random token is stored. The planner's ``admin login`` command
    sends the link over WhatsApp.

    Raises:
        PermissionError: ``user`` is not an active admin of ``scope``'s project.
    """
    if user.project_id != scope.project_id or not user.is_active or user.role not in ADMIN_ROLES:
        raise PermissionError("only an active admin of this project gets a login link")
    raw = secrets.token_urlsafe(32)
    now = runtime.clock.now()
    scope.insert(
        LoginToken(
            user_id=user.id,
            token_hash=_token_hash(raw),
            expires_at=now + LINK_LIFETIME,
            created_at=now,
        )
    )
    signed = _serializer(secret_key_of(runtime)).dumps(raw)
    base = (runtime.settings.public_base_url or DEFAULT_BASE_URL).rstrip("/")
    return f"{base}/admin/login/{signed}"


def consume_login_link(runtime: Runtime, session: Session, signed: str) -> User:
    """Spend the link ``signed`` and return its admin.

    Raises:
        LoginFailed: bad signature, unknown, expired or already used; or the user is
            no longer an active admin.
    """
    now = runtime.clock.now()
    try:
        raw = _serializer(secret_key_of(runtime)).loads(signed)
    except BadSignature as exc:
        raise LoginFailed("this login link is not valid") from exc
    token = session.scalar(select(LoginToken).where(LoginToken.token_hash == _token_hash(raw)))
    if token is None or token.used_at is not None or token.expires_at <= now:
        raise LoginFailed("this login link has expired or was already used")
    # The conditional UPDATE makes two simultaneous clicks spend the link once.
    spent = session.execute(
        update(LoginToken)
        .where(LoginToken.id == token.id, LoginToken.used_at.is_(None))
        .values(used_at=now)
    )
    user = session.get(User, token.user_id)
    if spent.rowcount != 1 or user is None or not user.is_active or user.role not in ADMIN_ROLES:
        raise LoginFailed("this login link has expired or was already used")
    return user
