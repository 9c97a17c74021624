"""Reconcile a bank statement: upload, review in piles, confirm, undo the batch.

The upload is kept (not written to the database) and the review rebuilt from it on
every visit; every confirmation writes through one batch (see
:mod:`bot.reconcile.batches`), audited under the signed-in admin and undoable here or
with ``calltime payments undo``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, g, redirect, render_template, request, url_for

from bot.admin.blueprint import bp
from bot.admin.security import admin_view
from bot.engine.timezones import operator_tz
from bot.engine.undo import UndoError
from bot.reconcile.apply import ReconcileError
from bot.reconcile.batches import (
    batch_writes,
    confirm_rows,
    matched_picks,
    probable_pick,
    undo_batch,
)
from bot.reconcile.review import Review, review_csv, review_statement
from bot.reconcile.statements import PRESETS, StatementError, decode, parse_mapping, read_statement
from bot.reconcile.uploads import Upload, load_upload, recent_uploads, save_upload
from bot.runtime import get_runtime

MAX_STATEMENT_BYTES = 2 * 1024 * 1024


def _instance() -> Any:
    return get_runtime().settings.instance_path


def _page(**context: Any) -> Any:
    return render_template(
        "admin/reconcile.html",
        presets=sorted(PRESETS),
        uploads=recent_uploads(_instance(), g.project.id),
        **context,
    )


@bp.route("/payments/reconcile", methods=["GET", "POST"])
@admin_view
def reconcile_upload() -> Any:
    """Upload a statement; it is read at once (errors name the line) and kept for review."""
    if request.method == "GET":
        return _page()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(error="Choose a CSV file."), 400
    data = upload.read(MAX_STATEMENT_BYTES + 1)
    preset = request.form.get("format") or None
    pairs = [p for p in request.form.get("mapping", "").splitlines() if p.strip()]
    try:
        if len(data) > MAX_STATEMENT_BYTES:
            raise ValueError("the file is larger than 2 MB; split it")
        mapping = parse_mapping(pairs) if pairs else None
        text = decode(data)
        read_statement(text, preset=preset, mapping=mapping)
    except (StatementError, ValueError) as exc:
        return _page(error=str(exc)), 400
    meta = {
        "filename": upload.filename,
        "format": preset,
        "map": mapping,
        "uploaded_by": str(g.user.id),
    }
    batch = save_upload(_instance(), g.project.id, text, meta=meta, now=g.now)
    return redirect(url_for("admin.reconcile_review", batch_id=batch))


def _load(batch_id: str) -> tuple[Upload, str, Review]:
    upload = load_upload(_instance(), g.project.id, batch_id)
    if upload is None:
        abort(404)
    tz = operator_tz(None, g.project)
    try:
        fmt, review = review_statement(
            g.scope,
            upload.text,
            preset=upload.meta.get("format"),
            mapping=upload.meta.get("map"),
            tz=tz,
            today=g.now.astimezone(tz).date(),
        )
    except StatementError:
        abort(404)  # a kept file was read once already; it cannot have become unreadable
    return upload, fmt, review


@bp.get("/payments/reconcile/<batch_id>")
@admin_view
def reconcile_review(batch_id: str) -> Any:
    """The review: matched (confirm all), probable (one click each), unmatched, recorded,
    and the pledges still unpaid."""
    upload, fmt, review = _load(batch_id)
    return _page(
        upload=upload,
        fmt=fmt,
        review=review,
        written=len(batch_writes(g.scope, upload.batch_id)),
    )


@bp.get("/payments/reconcile/<batch_id>/review.csv")
@admin_view
def reconcile_csv(batch_id: str) -> Any:
    """The review as CSV (formula cells neutralised)."""
    upload, _, review = _load(batch_id)
    name = f"calltime-reconcile-{upload.batch_id}.csv"
    return Response(
        review_csv(review),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


@bp.post("/payments/reconcile/<batch_id>/confirm")
@admin_view
def reconcile_confirm(batch_id: str) -> Any:
    """Record the matched lines the admin saw (each is checked again)."""
    upload, _, review = _load(batch_id)
    lines = {int(n) for n in request.form.getlist("line") if n.isdigit()}
    picks = matched_picks(review, lines)
    tz = operator_tz(None, g.project)
    result = confirm_rows(g.scope, g.user, picks, batch_id=upload.batch_id, now=g.now, tz=tz)
    flash(result.text(), "error" if result.refused and not result.recorded else "ok")
    return redirect(url_for("admin.reconcile_review", batch_id=upload.batch_id))


@bp.post("/payments/reconcile/<batch_id>/lines/<int:line>")
@admin_view
def reconcile_line(batch_id: str, line: int) -> Any:
    """Record one probable line against the pledge the admin picked."""
    upload, _, review = _load(batch_id)
    tz = operator_tz(None, g.project)
    try:
        pick = probable_pick(review, line, request.form.get("pledge_id", ""))
    except ReconcileError as exc:
        flash(f"Not recorded – {exc}", "error")
    else:
        result = confirm_rows(g.scope, g.user, [pick], batch_id=upload.batch_id, now=g.now, tz=tz)
        flash(result.text(), "ok" if result.recorded else "error")
    return redirect(url_for("admin.reconcile_review", batch_id=upload.batch_id))


@bp.post("/payments/reconcile/<batch_id>/undo")
@admin_view
def reconcile_undo(batch_id: str) -> Any:
    """Revert every payment (and identity) this statement's confirmations wrote."""
    upload = load_upload(_instance(), g.project.id, batch_id)
    if upload is None:
        abort(404)
    try:
        flash(undo_batch(g.scope, upload.batch_id, g.now), "ok")
    except UndoError as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.reconcile_review", batch_id=upload.batch_id))
