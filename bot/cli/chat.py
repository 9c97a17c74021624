"""``calltime chat --as PHONE``: talk to the bot from a terminal, through the full pipeline.

Each line typed is queued with :func:`bot.whatsapp.intake.inject_inbound` exactly as Twilio's
webhook would queue it, handled by the worker (in this process, or by a separate
``calltime worker`` if one takes it first) and answered through the sender; the reply
rows are printed as they are recorded.
"""

from __future__ import annotations

import sys
import time
import uuid

import click
from sqlalchemy import select

from bot.cli.common import CliState, find_project, pass_state
from bot.models import Message, Project, User
from bot.phones import InvalidPhone, to_e164
from bot.runtime import Runtime


def find_operator(runtime: Runtime, phone: str, project_ref: str | None) -> tuple[User, Project]:
    """The active user writing from ``phone`` (in ``project_ref`` when given)."""
    try:
        number = to_e164(phone)
    except InvalidPhone as exc:
        raise click.ClickException(str(exc)) from exc
    with runtime.db.session() as session:
        stmt = select(User).where(User.phone == number, User.is_active.is_(True))
        if project_ref:
            stmt = stmt.where(User.project_id == find_project(session, project_ref).id)
        users = list(session.scalars(stmt))
        if not users:
            raise click.ClickException(f"no active operator writes from {number}")
        if len(users) > 1:
            raise click.ClickException(
                f"{number} is an operator in several projects; add --project"
            )
        project = session.get(Project, users[0].project_id)
        if project is None:  # users.project_id references projects: a broken database
            raise click.ClickException(f"the operator's project {users[0].project_id} is missing")
        return users[0], project


def wait_for_replies(runtime: Runtime, inbound_id: uuid.UUID, timeout: float) -> list[str]:
    """The reply bodies to ``inbound_id`` once the worker has settled it."""
    deadline = time.monotonic() + timeout
    while True:
        with runtime.db.session() as session:
            inbound = session.get(Message, inbound_id)
            replies = list(
                session.scalars(
                    select(Message)
                    .where(Message.reply_to_id == inbound_id, Message.direction == "outbound")
                    .order_by(Message.created_at, Message.id)
                )
            )
            settled = inbound is not None and inbound.status not in {"queued", "processing"}
        if settled or time.monotonic() > deadline:
            unsent = {"pending", "deferred", "failed", "undelivered"}
            return [f"{r.body}  [{r.status}]" if r.status in unsent else r.body for r in replies]
        time.sleep(0.2)


@click.command("chat")
@click.option("--as", "phone", required=True, help="The operator's WhatsApp number.")
@click.option("--project", "project_ref", help="Project name, number or id (if ambiguous).")
@click.option("--timeout", default=60.0, show_default=True, help="Seconds to wait for a reply.")
@pass_state
def chat_command(state: CliState, phone: str, project_ref: str | None, timeout: float) -> None:
    """Chat with the bot as an operator; each line goes through webhook queue → worker → sender."""
    # The whole message pipeline: loaded only when a chat starts (``--help`` stays quick).
    from bot.whatsapp.intake import inject_inbound
    from bot.whatsapp.worker import Worker

    runtime = state.runtime
    user, project = find_operator(runtime, phone, project_ref)
    worker = Worker(runtime, name=f"chat-{uuid.uuid4().hex[:6]}")
    stdin = sys.stdin
    interactive = stdin.isatty()
    if interactive:
        click.echo(f"Chatting as {user.full_name} with {project.name}. Ctrl-D to leave.")
    while True:
        if interactive:
            click.echo("you> ", nl=False)
        line = stdin.readline()
        if not line:
            break
        if not line.strip():
            continue
        message = inject_inbound(
            runtime,
            to_number=project.whatsapp_number,
            from_number=user.phone or "",
            body=line.rstrip("\n"),
        )
        worker.run_once()
        for body in wait_for_replies(runtime, message.id, timeout) or ["(no reply yet)"]:
            click.echo(f"bot> {body}")
