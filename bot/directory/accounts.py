"""Admin authentication: passwords, one-time login links and failed-login limits.

Nothing here touches Flask's request; :mod:`bot.admin.security` turns a verified
:class:`User` into a browser session. Only active users with role ``ADMIN`` may sign in,
and only they may have a password.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import secrets
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bot.db import affected_rows
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


class LoginFailed(Exception):
    """Wrong identifier, password or link, or not an admin; the message never says which."""


class RateLimited(Exception):
    """Too many failed logins recently for this account or address."""


class PasswordError(ValueError):
    """A password that cannot be set."""


#: The one answer to every failed password sign-in: an unknown account, a wrong
#: password and the right password of a non-admin must look alike (no oracle).
LOGIN_FAILED = "wrong email/phone or password"


# -- passwords ------------------------------------------------------------------------
def set_password(scope: ProjectScope, user: User, password: str) -> None:
    """Store a salted hash of ``password`` for ``user`` (audited; the hash is never shown).

    Only active admins have passwords: nobody else may use the dashboard. The new hash
    also ends the admin's open sessions (see :attr:`User.session_version`).

    Raises:
        PasswordError: not an active admin, or too short; nothing is written.
    """
    if user.role not in ADMIN_ROLES or not user.is_active:
        raise PasswordError(
            f"only active admins have dashboard passwords ({user.full_name} is {user.role})"
        )
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise PasswordError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    scope.update(user, password_hash=generate_password_hash(password))


def normalise_identifier(identifier: str) -> str:
    """The account an identifier names: E.164 for anything that reads as a phone number,
    else the lower-cased text (an email). ``098…``, ``+91 98…`` and ``9198…`` are one."""
    text = (identifier or "").strip()
    if "@" not in text:
        with contextlib.suppress(InvalidPhone):
            return to_e164(text)
    return text.lower()


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


@functools.cache
def _dummy_hash() -> str:
    """A hash made like real ones, checked when no account matches (same work, same time)."""
    return generate_password_hash(secrets.token_urlsafe(16))


def _password_matches(candidates: list[User], password: str) -> list[User]:
    """Candidates whose hash matches; at least one hash is always checked."""
    hashed = [(user, user.password_hash) for user in candidates if user.password_hash]
    if not hashed:
        check_password_hash(_dummy_hash(), password or "")
        return []
    return [user for user, digest in hashed if check_password_hash(digest, password or "")]


def authenticate(session: Session, identifier: str, password: str, now: datetime) -> User:
    """The admin ``identifier`` + ``password`` names, after the rate limit.

    Failures are counted under the normalised identifier and under every account it
    names, so spelling a phone number five ways does not buy five times the guesses.

    Raises:
        RateLimited: too many recent failures for this account.
        LoginFailed: no such user, wrong password or not an active admin (one answer).
    """
    candidates = find_login_candidates(session, identifier)
    keys = [account_key(identifier), *(f"user:{user.id}" for user in candidates)]
    if any(too_many_failures(session, key, MAX_FAILURES_PER_ACCOUNT, now) for key in keys):
        raise RateLimited("too many failed sign-ins; try again in 15 minutes")
    admins = [u for u in _password_matches(candidates, password) if u.role in ADMIN_ROLES]
    if len(admins) != 1:
        for key in keys:
            record_attempt(session, key, succeeded=False, now=now)
        raise LoginFailed(LOGIN_FAILED)
    record_attempt(session, keys[0], succeeded=True, now=now)
    return admins[0]


# -- rate limiting --------------------------------------------------------------------
def account_key(identifier: str) -> str:
    return "account:" + normalise_identifier(identifier)


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


def issue_login_link(
    runtime: Runtime, scope: ProjectScope, user: User, base_url: str | None = None
) -> str:
    """A signed, single-use dashboard link for ``user``, valid for 10 minutes.

    Only a hash of the random token is stored. The planner's ``admin login`` command
    sends the link over WhatsApp. The link starts with ``base_url``, by default
    :meth:`~bot.config.Settings.base_url` (``PUBLIC_BASE_URL`` or where ``calltime
    serve`` listens).

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
    base = (base_url or runtime.settings.base_url()).rstrip("/")
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
    if (
        affected_rows(spent) != 1
        or user is None
        or not user.is_active
        or user.role not in ADMIN_ROLES
    ):
        raise LoginFailed("this login link has expired or was already used")
    return user


#: A dashboard login link's token, wherever the path appears (logs, transcripts).
_LOGIN_LINK_TOKEN = re.compile(r"(/admin/login/)[^\s/?#\"'<>]+")


def mask_login_links(text: str) -> str:
    """``…/admin/login/•••`` for every one-time link in ``text``: a link that was
    previewed but not spent still signs in, so only its recipient may see it."""
    return _LOGIN_LINK_TOKEN.sub(r"\1•••", text or "")
