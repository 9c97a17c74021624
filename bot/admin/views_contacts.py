"""Contacts: search, a contact's own page, edits, do-not-contact, CSV import and export."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, abort, flash, g, redirect, render_template, request, url_for

from bot.admin import reports
from bot.admin.blueprint import bp
from bot.admin.contacts import (
    ContactEditError,
    after_name,
    apply_edit,
    parse_edit,
    primary_phones,
    search_statement,
)
from bot.admin.listing import PAGE_SIZE, decode_cursor, encode_cursor
from bot.admin.security import admin_view
from bot.directory.contact_rows import RowError
from bot.directory.contacts_csv import export_contacts, import_contacts
from bot.directory.import_history import ImportNotFound, recent_imports, undo_import
from bot.engine.wording import plural
from bot.models import (
    Contact,
    ContactIdentity,
    ContactTag,
    Followup,
    Interaction,
    Payment,
    Pledge,
)
from bot.models.enums import CHANNELS, CONTACT_STATUSES
from bot.store import ProjectScope

MAX_IMPORT_BYTES = 2 * 1024 * 1024


@bp.get("/contacts")
@admin_view
def contacts() -> Any:
    """Search by name fragment or exact phone; phones shown masked."""
    query = request.args.get("q", "")
    status = request.args.get("status", "")
    stmt = search_statement(g.scope, query, status, g.project.default_region)
    after = request.args.get("after")
    if after:
        name, raw_id = decode_cursor(after, 2)
        stmt = stmt.where(after_name(name, _uuid_or_400(raw_id)))
    rows = list(g.scope.session.scalars(stmt.limit(PAGE_SIZE + 1)))
    next_cursor = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        next_cursor = encode_cursor(rows[-1].display_name, rows[-1].id)
    phones = primary_phones(g.scope, [c.id for c in rows])
    args = {k: v for k, v in (("q", query), ("status", status)) if v}
    return render_template(
        "admin/contacts.html",
        rows=rows,
        phones=phones,
        q=query,
        status=status,
        statuses=CONTACT_STATUSES,
        args=args,
        next_cursor=next_cursor,
    )


def _uuid_or_400(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        abort(400, description="bad page cursor")


def _uuid_or_404(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        abort(404)


def _contact_or_404(contact_id: str) -> Contact:
    scope: ProjectScope = g.scope
    contact = scope.get(Contact, contact_id)
    if contact is None or contact.deleted_at is not None:
        abort(404)
    return contact


@bp.get("/contacts/<contact_id>")
@admin_view
def contact(contact_id: str) -> Any:
    """A contact's own page: full numbers, history, money, follow-ups and the edit form."""
    row = _contact_or_404(contact_id)
    scope = g.scope
    return render_template(
        "admin/contact.html",
        c=row,
        identities=scope.all(
            ContactIdentity,
            ContactIdentity.contact_id == row.id,
            order_by=[ContactIdentity.is_primary.desc()],
        ),
        tags=[t.tag for t in scope.all(ContactTag, ContactTag.contact_id == row.id)],
        interactions=scope.all(
            Interaction,
            Interaction.contact_id == row.id,
            order_by=Interaction.occurred_at.desc(),
            limit=20,
        ),
        pledges=scope.all(
            Pledge, Pledge.contact_id == row.id, order_by=Pledge.pledged_at.desc(), limit=20
        ),
        payments=scope.all(
            Payment, Payment.contact_id == row.id, order_by=Payment.paid_at.desc(), limit=20
        ),
        followups=scope.all(
            Followup, Followup.contact_id == row.id, order_by=Followup.due_at.desc(), limit=20
        ),
        users=reports.user_names(scope),
        statuses=CONTACT_STATUSES,
        channels=CHANNELS,
    )


@bp.post("/contacts/<contact_id>")
@admin_view
def edit_contact(contact_id: str) -> Any:
    """Save the edit form (or the do-not-contact button); bad input changes nothing."""
    row = _contact_or_404(contact_id)
    form = {k: v for k, v in request.form.items() if k not in ("csrf_token", "confirm")}
    try:
        values = parse_edit(g.scope, form)
        if _needs_confirmation(row, values):
            return _confirm_do_not_contact(row, form)
        result = apply_edit(g.scope, row, values)
    except ContactEditError as exc:
        g.scope.session.rollback()
        flash(f"Not saved — {exc}", "error")
        return redirect(url_for("admin.contact", contact_id=contact_id))
    message = "Saved: " + ", ".join(result.changed) if result.changed else "Nothing changed."
    if result.cancelled_followups:
        message += f" {plural(result.cancelled_followups, 'open follow-up')} cancelled."
    flash(message, "ok")
    return redirect(url_for("admin.contact", contact_id=contact_id))


def _needs_confirmation(contact: Contact, values: dict[str, Any]) -> bool:
    """Marking do-not-contact is for good (an import never lifts it): it takes a second,
    explicit step — the confirmation page's button — not a JavaScript dialog."""
    return (
        values.get("status") == "do_not_contact"
        and contact.status != "do_not_contact"
        and request.form.get("confirm") != "do_not_contact"
    )


def _confirm_do_not_contact(contact: Contact, form: dict[str, str]) -> Any:
    """The confirmation step: what will happen, and the same form posted again."""
    open_followups = g.scope.count(
        Followup, Followup.contact_id == contact.id, Followup.status.in_(("due", "scheduled"))
    )
    return render_template(
        "admin/confirm_dnc.html", c=contact, form=form, open_followups=open_followups
    )


@bp.route("/contacts/import", methods=["GET", "POST"])
@admin_view
def import_page() -> Any:
    """Upload a CSV; the report is the CLI's, line by line. Recent imports can be undone."""
    if request.method == "GET":
        return _import_page(report=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_page(report=None, error="Choose a CSV file."), 400
    data = upload.read(MAX_IMPORT_BYTES + 1)
    try:
        if len(data) > MAX_IMPORT_BYTES:
            raise RowError("the file is larger than 2 MB; split it")
        text = data.decode("utf-8-sig")
        # Committed a batch at a time, so the webhook never waits for the whole file.
        report = import_contacts(g.scope.session, g.project, text, actor=g.scope.actor, commit=True)
    except (RowError, UnicodeDecodeError) as exc:
        g.scope.session.rollback()
        message = "the file is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc)
        return _import_page(report=None, error=message), 400
    return _import_page(report=report)


def _import_page(**context: Any) -> str:
    return render_template(
        "admin/import.html",
        imports=recent_imports(g.scope),
        users=reports.user_names(g.scope),
        **context,
    )


@bp.post("/contacts/import/<import_id>/undo")
@admin_view
def undo_import_view(import_id: str) -> Any:
    """Revert one import of this project (audited as this admin), batch by batch."""
    try:
        report = undo_import(
            g.scope.session,
            g.project.id,
            _uuid_or_404(import_id),
            actor=g.scope.actor,
            now=g.now,
            commit=True,
        )
    except ImportNotFound:
        abort(404)
    flash(report.as_text(), "ok")
    return redirect(url_for("admin.import_page"))


@bp.get("/contacts/export.csv")
@admin_view
def export_csv() -> Any:
    """Every live contact in the import format."""
    body = export_contacts(g.scope.session, g.project)
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=calltime-contacts.csv"},
    )
